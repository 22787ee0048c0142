import CryptoCore
import FIDO

/// Verifies a registration (`navigator.credentials.create()` answer) as W3C WebAuthn Level 2
/// §7.1 describes; attestation formats `none`, `packed` (self or with x5c) and `fido-u2f`.
/// `trustAnchors` (WEBAUTHN_TRUST_STORE) nil accepts any valid statement, as the reference does
/// without root certificates; set, only statements whose x5c chains to one of them pass (§7.1
/// step 21), so `none` and self attestation are refused.
public enum RegistrationVerifier {
    public static func verify(
        credentialJSON: [UInt8], expectedChallenge: [UInt8], origins: [String], rpID: String,
        requireUserVerification: Bool, trustAnchors: X509TrustAnchors? = nil
    ) throws(WebAuthnError) -> VerifiedCredential {
        try verify(
            credential: PublicKeyCredentialJSON(bytes: credentialJSON), expectedChallenge: expectedChallenge,
            origins: origins, rpID: rpID, requireUserVerification: requireUserVerification,
            trustAnchors: trustAnchors)
    }

    public static func verify(
        credential: JSONValue, expectedChallenge: [UInt8], origins: [String], rpID: String,
        requireUserVerification: Bool, trustAnchors: X509TrustAnchors? = nil
    ) throws(WebAuthnError) -> VerifiedCredential {
        try verify(
            credential: PublicKeyCredentialJSON(credential), expectedChallenge: expectedChallenge,
            origins: origins, rpID: rpID, requireUserVerification: requireUserVerification,
            trustAnchors: trustAnchors)
    }

    static func verify(
        credential: PublicKeyCredentialJSON, expectedChallenge: [UInt8], origins: [String], rpID: String,
        requireUserVerification: Bool, trustAnchors: X509TrustAnchors?
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
        try verifyStatement(
            attestation, key: attested.publicKey, aaguid: attested.aaguid, rpID: rpID,
            clientDataHash: clientData.hash, trustAnchors: trustAnchors)
        return VerifiedCredential(
            credentialID: attested.credentialID, publicKey: attested.publicKeyBytes,
            algorithm: attested.publicKey.algorithm, signCount: authenticatorData.signCount, aaguid: attested.aaguid,
            flags: authenticatorData.flags, attestationFormat: attestation.format)
    }

    /// §7.1 step 19: the attestation statement of the format the authenticator named; steps 20-21
    /// (trustworthiness) only when trust anchors are configured.
    private static func verifyStatement(
        _ attestation: AttestationObject, key: COSEKey, aaguid: [UInt8], rpID: String, clientDataHash: [UInt8],
        trustAnchors: X509TrustAnchors?
    ) throws(WebAuthnError) {
        switch attestation.format {
        case "none":
            // §8.7: the statement is an empty map.
            guard attestation.statement.pairs?.isEmpty == true else {
                throw .malformedAttestation("none attestation with a statement")
            }
            if trustAnchors != nil { throw .untrustedAttestation("none attestation carries no certificate") }
        case "packed", "fido-u2f":
            let chain = try certificates(attestation.statement)
            if attestation.format == "packed" {
                // §8.2: alg must match the credential key when self attested.
                guard let alg = attestation.statement["alg"]?.integer else { throw .malformedAttestation("no alg") }
                guard attestation.statement["sig"]?.byteString != nil else { throw .malformedAttestation("no sig") }
                if chain == nil, alg != key.algorithm.rawValue {
                    throw .malformedAttestation("alg \(alg) is not the credential's \(key.algorithm.rawValue)")
                }
                if let chain { try checkPackedCertificate(chain[0], aaguid: aaguid) }
            } else {
                try checkU2F(chain, key: key)
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
            guard let trustAnchors else { return }
            guard let chain else { throw .untrustedAttestation("self attestation carries no certificate") }
            do {
                try X509Chain.verify(leaf: chain[0], intermediates: Array(chain.dropFirst()), anchors: trustAnchors)
            } catch {
                throw .untrustedAttestation(error.reason)
            }
        default:
            throw .unsupportedAttestation(attestation.format)
        }
    }

    /// x5c (attestation certificate first), nil when absent; present, it is a non-empty array
    /// of byte strings. libfido2 reads only the first entry, so the rest is checked here.
    private static func certificates(_ statement: CBORValue) throws(WebAuthnError) -> [[UInt8]]? {
        guard let x5c = statement["x5c"] else { return nil }
        guard case .array(let items) = x5c, !items.isEmpty else {
            throw .malformedAttestation("x5c is not a non-empty array")
        }
        var chain: [[UInt8]] = []
        for item in items {
            guard let der = item.byteString else { throw .malformedAttestation("x5c entry is not a byte string") }
            chain.append(der)
        }
        return chain
    }

    /// §8.2.1: a v3 end-entity certificate whose id-fido-gen-ce-aaguid extension, when present,
    /// names the AAGUID of the authenticator data (else a vendor's certificate could vouch for
    /// another model).
    private static func checkPackedCertificate(_ der: [UInt8], aaguid: [UInt8]) throws(WebAuthnError) {
        let certificate = try parse(der)
        guard certificate.version == 3 else { throw .malformedAttestation("attestation certificate is not v3") }
        guard !certificate.isCA else { throw .malformedAttestation("attestation certificate is a CA") }
        if let value = certificate.extensionValue(oid: Self.aaguidExtension), value != [0x04, 0x10] + aaguid {
            throw .malformedAttestation("attestation certificate names another AAGUID")
        }
    }

    /// id-fido-gen-ce-aaguid (FIDO Metadata / WebAuthn §8.2.1).
    static let aaguidExtension = "1.3.6.1.4.1.45724.1.1.4"

    /// §8.6 steps 2-3: one certificate with a P-256 key, and a P-256 credential key; libfido2
    /// would hash a key of another type as if it were one, so these are refused before it runs.
    private static func checkU2F(_ chain: [[UInt8]]?, key: COSEKey) throws(WebAuthnError) {
        guard let chain else { throw .malformedAttestation("fido-u2f without x5c") }
        guard chain.count == 1 else { throw .malformedAttestation("fido-u2f x5c has \(chain.count) certificates") }
        guard try parse(chain[0]).hasP256Key else {
            throw .malformedAttestation("fido-u2f attestation certificate key is not P-256")
        }
        guard key.algorithm == .es256 else { throw .malformedAttestation("fido-u2f credential key is not P-256") }
    }

    private static func parse(_ der: [UInt8]) throws(WebAuthnError) -> X509Certificate {
        do { return try X509Certificate(der: der) } catch {
            throw .malformedAttestation("attestation certificate: \(error.reason)")
        }
    }
}
