import COpenSSL

/// Root certificates a chain may end at, read once (at start-up) from a PEM bundle. Kept as DER
/// bytes so the value is `Sendable` and shares no OpenSSL object between threads: each
/// verification builds its own `X509_STORE` from them (registrations are rare; a few roots parse
/// in microseconds).
public struct X509TrustAnchors: Sendable, Equatable {
    /// The roots, DER-encoded, in the bundle's order.
    public let certificates: [[UInt8]]

    /// Every `CERTIFICATE` block of the PEM file at `path`; refuses a file that cannot be opened,
    /// holds no certificate, or has a block that does not parse.
    public init(pemFile path: String) throws(CryptoError) {
        guard let bio = BIO_new_file(path, "r") else {
            throw CryptoError(operation: "open \(path)", reason: drainErrorQueue())
        }
        defer { BIO_free(bio) }
        try self.init(bio: bio, source: path)
    }

    /// Every `CERTIFICATE` block of `pem` (the bundle's text).
    public init(pem: [UInt8]) throws(CryptoError) {
        let bio = pem.withUnsafeBytes { BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }
        guard let bio else { throw CryptoError(operation: "BIO_new_mem_buf", reason: drainErrorQueue()) }
        defer { BIO_free(bio) }
        try self.init(bio: bio, source: "PEM text")
    }

    private init(bio: OpaquePointer, source: String) throws(CryptoError) {
        var found: [[UInt8]] = []
        while let read = PEM_read_bio_X509(bio, nil, nil, nil) {
            found.append(try X509Certificate(owning: read).der())
        }
        // The loop ends at the first block that is not a certificate; only "no more PEM" is the
        // end of a good bundle, anything else (bad base64, bad DER) is a broken file.
        let last = ERR_peek_last_error()
        if last != 0, ERR_GET_LIB(last) != ERR_LIB_PEM || ERR_GET_REASON(last) != PEM_R_NO_START_LINE {
            throw CryptoError(operation: "read certificates from \(source)", reason: drainErrorQueue())
        }
        _ = drainErrorQueue()
        guard !found.isEmpty else {
            throw CryptoError(operation: "read certificates from \(source)", reason: "no PEM CERTIFICATE block")
        }
        certificates = found
    }
}

/// One parsed certificate (`X509 *`), owned here and freed in `deinit`.
public final class X509Certificate {
    private let handle: OpaquePointer

    /// A DER-encoded certificate; refuses trailing bytes, so one value is one certificate.
    public init(der: [UInt8]) throws(CryptoError) {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            guard let made = d2i_X509(nil, &cursor, buffer.count) else { return nil }
            guard cursor == buffer.baseAddress.map({ $0 + buffer.count }) else {
                X509_free(made)
                return nil
            }
            return made
        }
        guard let parsed else { throw CryptoError(operation: "d2i_X509", reason: drainErrorQueue()) }
        handle = parsed
    }

    fileprivate init(owning handle: OpaquePointer) { self.handle = handle }

    deinit { X509_free(handle) }

    /// The X.509 version as written (1 to 3; the field stores it minus one).
    public var version: Int { X509_get_version(handle) + 1 }

    /// Whether basicConstraints (or a v1 self-signed root) makes this a CA certificate.
    public var isCA: Bool { X509_check_ca(handle) != 0 }

    /// Whether the subject key is an EC key on P-256 (what FIDO U2F attestation keys are).
    public var hasP256Key: Bool {
        guard let key = X509_get0_pubkey(handle), EVP_PKEY_is_a(key, "EC") == 1 else { return false }
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else {
            _ = drainErrorQueue()
            return false
        }
        let group = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return group == "prime256v1" || group == "P-256"
    }

    /// The extnValue contents (DER) of the extension `oid` (dotted form), nil when absent.
    public func extensionValue(oid: String) -> [UInt8]? {
        guard let object = OBJ_txt2obj(oid, 1) else {
            _ = drainErrorQueue()
            return nil
        }
        defer { ASN1_OBJECT_free(object) }
        let index = X509_get_ext_by_OBJ(handle, object, -1)
        guard index >= 0, let ext = X509_get_ext(handle, index), let data = X509_EXTENSION_get_data(ext),
              let bytes = ASN1_STRING_get0_data(data) else { return nil }
        return Array(UnsafeBufferPointer(start: bytes, count: Int(ASN1_STRING_length(data))))
    }

    func der() throws(CryptoError) -> [UInt8] {
        let length = i2d_X509(handle, nil)
        guard length > 0 else { throw CryptoError(operation: "i2d_X509", reason: drainErrorQueue()) }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_X509(handle, &cursor)
        }
        guard written == length else { throw CryptoError(operation: "i2d_X509", reason: drainErrorQueue()) }
        return out
    }

    /// The handle, for a call that takes its own reference (or only reads); `self` stays alive meanwhile.
    fileprivate func withPointer<T>(_ body: (OpaquePointer) -> T) -> T {
        withExtendedLifetime(self) { body(handle) }
    }
}

/// Path validation of a leaf certificate to a trust anchor with OpenSSL's `X509_verify_cert`
/// (signatures, validity at the current time, CA flags and path lengths along the way).
public enum X509Chain {
    /// Throws unless `leaf`, helped by `intermediates` (untrusted, any order), chains to one of
    /// `anchors`. All certificates are DER.
    public static func verify(
        leaf: [UInt8], intermediates: [[UInt8]], anchors: X509TrustAnchors
    ) throws(CryptoError) {
        let store = try OpenSSLObject("X509_STORE_new", X509_STORE_new, free: X509_STORE_free)
        for root in anchors.certificates {
            let certificate = try X509Certificate(der: root)
            try check(certificate.withPointer { X509_STORE_add_cert(store.handle, $0) }, "X509_STORE_add_cert")
        }
        let leafCertificate = try X509Certificate(der: leaf)
        // The stack's certificates hold their own references.
        let untrusted = try OpenSSLObject("sk_X509_new_null", authkit_x509_stack_new, free: authkit_x509_stack_free)
        for der in intermediates {
            let certificate = try X509Certificate(der: der)
            try check(certificate.withPointer { authkit_x509_stack_push(untrusted.handle, $0) }, "sk_X509_push")
        }
        let context = try OpenSSLObject("X509_STORE_CTX_new", X509_STORE_CTX_new, free: X509_STORE_CTX_free)
        // The context borrows the store, leaf and stack without references: all must outlive the verification.
        let (initialised, status) = withExtendedLifetime((store, untrusted, context)) {
            leafCertificate.withPointer { leafPointer -> (Int32, Int32) in
                let initialised = X509_STORE_CTX_init(context.handle, store.handle, leafPointer, untrusted.handle)
                return (initialised, initialised == 1 ? X509_verify_cert(context.handle) : 0)
            }
        }
        try check(initialised, "X509_STORE_CTX_init")
        try verified(status, context)
    }

    /// `X509_verify_cert`'s answer as a typed error: 1 is a valid path; otherwise the
    /// context's verification error (why the path failed) names the reason.
    private static func verified(_ status: Int32, _ context: OpenSSLObject) throws(CryptoError) {
        guard status != 1 else { return }
        let code = X509_STORE_CTX_get_error(context.handle)
        _ = drainErrorQueue()
        let reason = code == X509_V_OK
            ? "verification failed" : String(cString: X509_verify_cert_error_string(Int(code)))
        throw CryptoError(operation: "X509_verify_cert", reason: reason)
    }
}
