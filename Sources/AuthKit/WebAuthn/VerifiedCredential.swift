import FIDO

/// A registration that passed every check: what the credential table keeps.
public struct VerifiedCredential: Sendable {
    /// The raw credential id from authenticatorData (the reference stores this one, not `rawId`).
    public let credentialID: [UInt8]
    /// The COSE key bytes exactly as the authenticator sent them.
    public let publicKey: [UInt8]
    public let algorithm: COSEAlgorithm
    public let signCount: UInt32
    public let aaguid: [UInt8]
    public let flags: AuthenticatorFlags
    public let attestationFormat: String

    /// The AAGUID as the reference stores it: lowercase, hyphenated.
    public var aaguidString: String {
        let hex = aaguid.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        let groups = [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }
        return groups.joined(separator: "-")
    }
}

/// An assertion that passed every check.
public struct VerifiedAssertion: Sendable {
    public let credentialID: [UInt8]
    public let newSignCount: UInt32
    public let flags: AuthenticatorFlags
    /// `response.userHandle`, when the browser sent one (the reference ignores it).
    public let userHandle: [UInt8]?
}
