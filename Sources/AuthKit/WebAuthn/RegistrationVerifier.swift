import CryptoCore
import FIDO

/// Verifies a registration (`navigator.credentials.create()` answer) as W3C WebAuthn Level 2
/// §7.1 describes; attestation formats `none`, `packed` (self or with x5c) and `fido-u2f`.
public enum RegistrationVerifier {
    public static func verify(
        credentialJSON: [UInt8], expectedChallenge: [UInt8], origins: [String], rpID: String,
        requireUserVerification: Bool
    ) throws(WebAuthnError) -> VerifiedCredential {
        try verify(
            credential: PublicKeyCredentialJSON(bytes: credentialJSON), expectedChallenge: expectedChallenge,
            origins: origins, rpID: rpID, requireUserVerification: requireUserVerification)
    }

    public static func verify(
        credential: JSONValue, expectedChallenge: [UInt8], origins: [String], rpID: String,
        requireUserVerification: Bool
    ) throws(WebAuthnError) -> VerifiedCredential {
        try verify(
            credential: PublicKeyCredentialJSON(credential), expectedChallenge: expectedChallenge,
            origins: origins, rpID: rpID, requireUserVerification: requireUserVerification)
    }

    static func verify(
        credential: PublicKeyCredentialJSON, expectedChallenge: [UInt8], origins: [String], rpID: String,
        requireUserVerification: Bool
    ) throws(WebAuthnError) -> VerifiedCredential {
        let clientData = try ClientData(credential.field("clientDataJSON", limit: ClientData.maximumSize))
        try clientData.check(type: "webauthn.create", challenge: expectedChallenge, origins: origins)
        let attestationBytes = try credential.field("attestationObject", limit: AttestationObject.maximumSize)
        let attestation: AttestationObject
        do { attestation = try AttestationObject(attestationBytes) } catch { throw .malformedAttestation(error.reason) }
        let authenticatorData = try AuthenticatorData(attestation.authenticatorData)
        guard ConstantTime.equals(authenticatorData.rpIDHash, Digest.hash(.sha256, Array(rpID.utf8))) else {
            throw .rpIDMismatch
        }
        guard authenticatorData.flags.contains(.userPresent) else { throw .userNotPresent(.attestation) }
        if requireUserVerification, !authenticatorData.flags.contains(.userVerified) {
            throw .userNotVerified(.attestation)
        }
        guard let attested = authenticatorData.attestedCredential else { throw .missingCredentialData }
        try verifyStatement(attestation, key: attested.publicKey, rpID: rpID, clientDataHash: clientData.hash)
        return VerifiedCredential(
            credentialID: attested.credentialID, publicKey: attested.publicKeyBytes,
            algorithm: attested.publicKey.algorithm, signCount: authenticatorData.signCount, aaguid: attested.aaguid,
            flags: authenticatorData.flags, attestationFormat: attestation.format)
    }

    /// §7.1 step 19: the attestation statement of the format the authenticator named.
    private static func verifyStatement(
        _ attestation: AttestationObject, key: COSEKey, rpID: String, clientDataHash: [UInt8]
    ) throws(WebAuthnError) {
        switch attestation.format {
        case "none":
            // §8.7: the statement is an empty map.
            guard attestation.statement.pairs?.isEmpty == true else {
                throw .malformedAttestation("none attestation with a statement")
            }
        case "packed", "fido-u2f":
            if attestation.format == "packed" {
                // §8.2: alg must match the credential key when self attested.
                guard let alg = attestation.statement["alg"]?.integer else { throw .malformedAttestation("no alg") }
                guard attestation.statement["sig"]?.byteString != nil else { throw .malformedAttestation("no sig") }
                if attestation.statement["x5c"] == nil, alg != key.algorithm.rawValue {
                    throw .malformedAttestation("alg \(alg) is not the credential's \(key.algorithm.rawValue)")
                }
            }
            do {
                try AttestationVerifier.verify(
                    attestation, algorithm: key.algorithm, rpID: rpID, clientDataHash: clientDataHash)
            } catch {
                switch error.kind {
                case .invalidSignature: throw .invalidAttestationSignature
                case .unsupported: throw .unsupportedAttestation(attestation.format)
                case .malformed, .library: throw .malformedAttestation(error.reason)
                }
            }
        default:
            throw .unsupportedAttestation(attestation.format)
        }
    }
}
