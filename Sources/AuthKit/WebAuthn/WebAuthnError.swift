/// Why a passkey registration or assertion was refused. Each case is one check of W3C WebAuthn
/// Level 2 §7.1/§7.2; `description` follows py_webauthn's wording (the reference shows those
/// messages on its credential routes and logs them elsewhere) and never contains key material.
public enum WebAuthnError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The credential JSON is not an object of the expected shape, or a field is not base64url.
    case malformedCredential(String)
    /// A field is larger than any real authenticator sends.
    case tooLarge(String)
    case malformedClientData(String)
    case unexpectedType(expected: String, received: String)
    case challengeMismatch
    case originMismatch(String)
    case malformedAuthenticatorData(String)
    case rpIDMismatch
    case userNotPresent(Ceremony)
    case userNotVerified(Ceremony)
    /// A registration whose authenticatorData lacks the attested credential data (AT flag).
    case missingCredentialData
    case unsupportedAlgorithm(Int)
    case malformedPublicKey(String)
    case malformedAttestation(String)
    case unsupportedAttestation(String)
    case invalidAttestationSignature
    /// A trust store is configured and the attestation does not chain to it: no certificate
    /// (none, packed self attestation) or a chain that fails; the detail is for logs only.
    case untrustedAttestation(String)
    case invalidSignature
    /// The counter did not grow: the authenticator may have been cloned (§6.1.1).
    case signCountRegression(stored: UInt32, received: UInt32)

    public enum Ceremony: String, Sendable { case attestation, authentication }

    public var description: String {
        switch self {
        case .malformedCredential(let why): return "Malformed credential: \(why)"
        case .tooLarge(let field): return "\(field) is too large"
        case .malformedClientData(let why): return "Malformed client data: \(why)"
        case .unexpectedType(let expected, let received):
            return "Unexpected client data type \"\(received)\", expected \"\(expected)\""
        case .challengeMismatch: return "Client data challenge was not expected challenge"
        case .originMismatch(let origin): return "Unexpected client data origin \"\(origin)\""
        case .malformedAuthenticatorData(let why): return "Malformed authenticator data: \(why)"
        case .rpIDMismatch: return "Unexpected RP ID hash"
        case .userNotPresent(let ceremony): return "User was not present during \(ceremony.rawValue)"
        case .userNotVerified(let ceremony):
            return "User verification is required but user was not verified during \(ceremony.rawValue)"
        case .missingCredentialData: return "Authenticator did not provide attested credential data"
        case .unsupportedAlgorithm(let alg): return "Unsupported public key algorithm \(alg)"
        case .malformedPublicKey(let why): return "Malformed credential public key: \(why)"
        case .malformedAttestation(let why): return "Malformed attestation: \(why)"
        case .unsupportedAttestation(let format): return "Unsupported attestation format \"\(format)\""
        case .invalidAttestationSignature: return "Could not verify attestation statement signature"
        case .untrustedAttestation: return "Attestation could not be verified against the trust store"
        case .invalidSignature: return "Could not verify authentication signature"
        case .signCountRegression(let stored, let received):
            return "Response sign count of \(received) was not greater than current count of \(stored)"
        }
    }
}
