import CFido2

/// Checks a WebAuthn signature over `authenticatorData ‖ clientDataHash` with libfido2's
/// `fido_assert_verify`: an assertion's signature, and a `packed` self attestation (same bytes,
/// same key). libfido2 also checks the rpIdHash against `rpID`; flags are checked by the caller,
/// which reports each one with its own message.
public enum SignatureVerifier {
    public static func verify(
        key: COSEKey, rpID: String, authenticatorData: [UInt8], clientDataHash: [UInt8], signature: [UInt8]
    ) throws(FIDOError) {
        guard !signature.isEmpty, signature.count <= 1024 else {
            throw FIDOError(.invalidSignature, "signature", "\(signature.count) bytes")
        }
        let publicKey = try PublicKey(key)
        let assertion = try Assertion()
        try assertion.verify(
            publicKey, rpID: rpID, authenticatorData: authenticatorData, clientDataHash: clientDataHash,
            signature: signature)
    }
}

/// One `fido_assert_t` with a single statement, owned here and freed in `deinit`.
final class Assertion {
    private var handle: OpaquePointer

    init() throws(FIDOError) {
        guard let made = fido_assert_new() else { throw FIDOError(.library, "fido_assert_new", "out of memory") }
        handle = made
    }

    deinit {
        var pointer: OpaquePointer? = handle
        fido_assert_free(&pointer)
    }

    func verify(
        _ key: PublicKey, rpID: String, authenticatorData: [UInt8], clientDataHash: [UInt8], signature: [UInt8]
    ) throws(FIDOError) {
        try check(fido_assert_set_count(handle, 1), "fido_assert_set_count")
        try check(fido_assert_set_rp(handle, rpID), "fido_assert_set_rp")
        try check(fido_assert_set_clientdata_hash(handle, clientDataHash, clientDataHash.count), "clientDataHash")
        do {
            try check(fido_assert_set_authdata_raw(handle, 0, authenticatorData, authenticatorData.count), "authData")
        } catch { throw FIDOError(.malformed, "authenticatorData", error.reason) }
        try check(fido_assert_set_sig(handle, 0, signature, signature.count), "fido_assert_set_sig")
        try key.withHandle { (pk) throws(FIDOError) in
            let status = fido_assert_verify(handle, 0, Int32(key.algorithm.rawValue), pk)
            // libfido2 reports a mismatched rpIdHash or a bad signature alike; both mean "not signed".
            guard status == FIDO_OK else {
                throw FIDOError(.invalidSignature, "signature", String(cString: fido_strerr(status)))
            }
        }
    }
}
