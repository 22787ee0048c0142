import FIDO

/// authenticatorData (W3C WebAuthn §6.1), parsed with every length checked against the bytes
/// that are there: a truncated or padded structure is an error, never a crash or a guess.
public struct AuthenticatorData: Sendable {
    /// Real ones are 37 bytes (assertion) to a few hundred (registration with an RSA key).
    public static let maximumSize = 8 * 1024
    /// §6.1: credentialIdLength ≤ 1023.
    public static let maximumCredentialIDLength = 1023

    public struct AttestedCredential: Sendable {
        public let aaguid: [UInt8]
        public let credentialID: [UInt8]
        /// The COSE key exactly as the authenticator encoded it (what the reference stores).
        public let publicKeyBytes: [UInt8]
        public let publicKey: COSEKey
    }

    public let bytes: [UInt8]
    public let rpIDHash: [UInt8]
    public let flags: AuthenticatorFlags
    public let signCount: UInt32
    public let attestedCredential: AttestedCredential?

    public init(_ bytes: [UInt8]) throws(WebAuthnError) {
        guard bytes.count <= Self.maximumSize else { throw .tooLarge("authenticatorData") }
        guard bytes.count >= 37 else { throw .malformedAuthenticatorData("\(bytes.count) bytes, at least 37 needed") }
        self.bytes = bytes
        rpIDHash = Array(bytes[0..<32])
        flags = AuthenticatorFlags(rawValue: bytes[32])
        signCount = bytes[33..<37].reduce(0) { $0 << 8 | UInt32($1) }
        var index = 37
        if flags.contains(.attestedCredentialData) {
            guard bytes.count - index >= 18 else { throw .malformedAuthenticatorData("truncated credential data") }
            let aaguid = Array(bytes[index..<index + 16])
            let idLength = Int(bytes[index + 16]) << 8 | Int(bytes[index + 17])
            index += 18
            guard idLength <= Self.maximumCredentialIDLength else {
                throw .malformedAuthenticatorData("credential id of \(idLength) bytes")
            }
            guard bytes.count - index >= idLength else { throw .malformedAuthenticatorData("truncated credential id") }
            let credentialID = Array(bytes[index..<index + idLength])
            index += idLength
            let keyValue: CBORValue, keyLength: Int
            do { (keyValue, keyLength) = try CBOR.decodePrefix(Array(bytes[index...])) } catch {
                throw .malformedAuthenticatorData("credential public key: \(error.reason)")
            }
            let key: COSEKey
            do { key = try COSEKey(value: keyValue) } catch {
                if error.kind == .unsupported, let alg = keyValue[3]?.integer { throw .unsupportedAlgorithm(alg) }
                throw .malformedPublicKey(error.reason)
            }
            attestedCredential = AttestedCredential(
                aaguid: aaguid, credentialID: credentialID, publicKeyBytes: Array(bytes[index..<index + keyLength]),
                publicKey: key)
            index += keyLength
        } else {
            attestedCredential = nil
        }
        if flags.contains(.extensionData) {
            let extensions: (value: CBORValue, length: Int)
            do { extensions = try CBOR.decodePrefix(Array(bytes[index...])) } catch {
                throw .malformedAuthenticatorData("extensions: \(error.reason)")
            }
            guard extensions.value.pairs != nil else { throw .malformedAuthenticatorData("extensions are not a map") }
            index += extensions.length
        }
        guard index == bytes.count else { throw .malformedAuthenticatorData("\(bytes.count - index) trailing bytes") }
    }
}
