/// The messages the reference's webauthn/credentials/ route answers for a refused
/// registration (py_webauthn's wording, docs/contract/webauthn.md §5).
extension WebAuthnRefusal {
    func referenceMessage(expectedOrigin: String) -> String {
        guard case .verification(let error, _) = self else { return reason }
        switch error {
        case .malformedCredential(let why):
            switch why {
            case "not JSON": return "Unable to decode credential as JSON"
            case "not an object": return "Credential was not a JSON object"
            case "missing id": return "Credential missing required id"
            case "missing response": return "Credential missing required response"
            case "type is not public-key": return "Credential had unexpected type"
            case "missing rawId", "rawId is not base64url", "id and rawId differ": return "Credential missing required rawId"
            case "missing attestationObject", "attestationObject is not base64url":
                return "Credential response missing required attestationObject"
            case "missing clientDataJSON", "clientDataJSON is not base64url":
                return "Credential response missing required clientDataJSON"
            default: return "Credential was not a JSON object"
            }
        case .tooLarge(let field): return "\(field) was malformed. See __cause__ for more info"
        case .malformedClientData: return "clientDataJSON was malformed. See __cause__ for more info"
        case .unexpectedType(_, let received):
            return "Unexpected client data type \"\(received)\", expected \"ClientDataType.WEBAUTHN_CREATE\""
        case .challengeMismatch: return "Client data challenge was not expected challenge"
        case .originMismatch(let origin):
            return "Unexpected client data origin \"\(origin)\", expected \"\(expectedOrigin)\""
        case .userNotPresent: return "User presence was required, but was not present during attestation"
        case .malformedAttestation(let why) where why == "no sig":
            return "Attestation statement was missing signature (Packed)"
        case .malformedAttestation, .malformedAuthenticatorData, .missingCredentialData, .malformedPublicKey:
            return "attestationObject was malformed. See __cause__ for more info"
        case .unsupportedAttestation(let format): return "Unsupported attestation type \"\(format)\""
        case .invalidAttestationSignature: return "Could not verify attestation statement signature"
        // py_webauthn's wording when pem_root_certs_bytes_by_fmt is given and the chain fails.
        case .untrustedAttestation: return "Certificate chain could not be validated"
        case .rpIDMismatch, .userNotVerified, .unsupportedAlgorithm, .invalidSignature, .signCountRegression:
            return error.description
        }
    }
}
