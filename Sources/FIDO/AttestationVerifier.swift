import CFido2

/// Verifies attestation statements that carry a signature (`packed` and `fido-u2f`) with
/// libfido2's `fido_cred_verify` (statement with a certificate: the signature is checked with
/// the leaf certificate's key; the chain to a trust anchor, when one is configured, is the
/// caller's check: libfido2 reads only x5c[0]) or `fido_cred_verify_self` (packed self
/// attestation: signed by the credential key itself). `none` carries nothing to verify and is handled by the caller.
public enum AttestationVerifier {
    public static func verify(
        _ object: AttestationObject, algorithm: COSEAlgorithm, rpID: String, clientDataHash: [UInt8]
    ) throws(FIDOError) {
        guard object.format == "packed" || object.format == "fido-u2f" else {
            throw FIDOError(.unsupported, "attestation", "format \(object.format)")
        }
        let credential = try Credential()
        try credential.verify(object, algorithm: algorithm, rpID: rpID, clientDataHash: clientDataHash)
    }
}

/// One `fido_cred_t`, owned here and freed in `deinit`.
final class Credential {
    private var handle: OpaquePointer

    init() throws(FIDOError) {
        guard let made = fido_cred_new() else { throw FIDOError(.library, "fido_cred_new", "out of memory") }
        handle = made
    }

    deinit {
        var pointer: OpaquePointer? = handle
        fido_cred_free(&pointer)
    }

    func verify(
        _ object: AttestationObject, algorithm: COSEAlgorithm, rpID: String, clientDataHash: [UInt8]
    ) throws(FIDOError) {
        try check(fido_cred_set_type(handle, Int32(algorithm.rawValue)), "fido_cred_set_type")
        try check(fido_cred_set_rp(handle, rpID, nil), "fido_cred_set_rp")
        try check(fido_cred_set_clientdata_hash(handle, clientDataHash, clientDataHash.count), "clientDataHash")
        do {
            try check(fido_cred_set_authdata_raw(
                handle, object.authenticatorData, object.authenticatorData.count), "authData")
            try check(fido_cred_set_fmt(handle, object.format), "fmt")
            try check(fido_cred_set_attstmt(handle, object.encodedStatement, object.encodedStatement.count), "attStmt")
        } catch { throw FIDOError(.malformed, "attestation", "\(error.operation): \(error.reason)") }
        let selfAttested = object.statement["x5c"] == nil
        if object.format == "fido-u2f" && selfAttested {
            throw FIDOError(.malformed, "attestation", "fido-u2f without x5c")
        }
        let status = selfAttested ? fido_cred_verify_self(handle) : fido_cred_verify(handle)
        guard status == FIDO_OK else {
            throw FIDOError(.invalidSignature, "attestation", String(cString: fido_strerr(status)))
        }
    }
}
