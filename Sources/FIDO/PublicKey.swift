import CFido2

/// A credential public key loaded into libfido2 (which also checks it: an ES256 point must lie on
/// P-256). The libfido2 key object is owned here and freed in `deinit`.
final class PublicKey {
    let algorithm: COSEAlgorithm
    private let handle: OpaquePointer

    init(_ key: COSEKey) throws(FIDOError) {
        algorithm = key.algorithm
        let made: OpaquePointer?
        switch key.algorithm {
        case .es256: made = es256_pk_new()
        case .eddsa: made = eddsa_pk_new()
        case .rs256: made = rs256_pk_new()
        }
        guard let made else { throw FIDOError(.library, "public key", "out of memory") }
        handle = made
        let status = key.raw.withUnsafeBytes { raw -> Int32 in
            switch key.algorithm {
            case .es256: return es256_pk_from_ptr(made, raw.baseAddress, raw.count)
            case .eddsa: return eddsa_pk_from_ptr(made, raw.baseAddress, raw.count)
            case .rs256: return rs256_pk_from_ptr(made, raw.baseAddress, raw.count)
            }
        }
        // Every stored property is set, so a throw here still runs `deinit` and frees the key.
        do { try check(status, "public key") } catch { throw FIDOError(.malformed, "public key", error.reason) }
    }

    deinit {
        var pointer: OpaquePointer? = handle
        switch algorithm {
        case .es256: es256_pk_free(&pointer)
        case .eddsa: eddsa_pk_free(&pointer)
        case .rs256: rs256_pk_free(&pointer)
        }
    }

    /// For libfido2 calls inside this module only.
    func withHandle<R>(_ body: (UnsafeRawPointer) throws(FIDOError) -> R) throws(FIDOError) -> R {
        try body(UnsafeRawPointer(handle))
    }
}
