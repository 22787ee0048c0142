/// The three parts of a WebAuthn attestationObject (`{fmt, attStmt, authData}`, W3C WebAuthn
/// §6.5), split with libcbor because libfido2 1.12 has no `fido_cred_set_attobj`.
public struct AttestationObject: Sendable {
    /// Larger than any real one (a packed statement with a short certificate chain is ~2 KiB).
    public static let maximumSize = 16 * 1024

    public let format: String
    public let statement: CBORValue
    /// `attStmt` re-encoded, as libfido2's `fido_cred_set_attstmt` takes it.
    public let encodedStatement: [UInt8]
    public let authenticatorData: [UInt8]

    public init(_ bytes: [UInt8]) throws(FIDOError) {
        guard bytes.count <= Self.maximumSize else {
            throw FIDOError(.malformed, "attestationObject", "larger than \(Self.maximumSize) bytes")
        }
        let document = try CBORDocument(decodingPrefixOf: bytes)
        guard document.length == bytes.count else {
            throw FIDOError(.malformed, "attestationObject", "trailing bytes")
        }
        let value = document.value
        guard let pairs = value.pairs, pairs.count == 3,
              let format = value["fmt"]?.textString,
              let statement = value["attStmt"], statement.pairs != nil,
              let authenticatorData = value["authData"]?.byteString
        else { throw FIDOError(.malformed, "attestationObject", "not a map of fmt, attStmt and authData") }
        self.format = format
        self.statement = statement
        self.encodedStatement = try document.encodedValue(ofKey: "attStmt")
        self.authenticatorData = authenticatorData
    }
}
