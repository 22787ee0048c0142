import COpenSSL

/// AES-256-GCM authenticated encryption: 12-byte random nonce, 16-byte tag.
public enum AESGCM {
    public static let keySize = 32
    public static let nonceSize = 12
    public static let tagSize = 16

    public struct Sealed: Sendable, Equatable {
        public let nonce: [UInt8]
        public let ciphertext: [UInt8]
        public let tag: [UInt8]

        public init(nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
            self.nonce = nonce
            self.ciphertext = ciphertext
            self.tag = tag
        }
    }

    public static func seal(
        _ plaintext: [UInt8], key: [UInt8], associatedData: [UInt8] = [], nonce: [UInt8]? = nil
    ) throws(CryptoError) -> Sealed {
        guard key.count == keySize else { throw CryptoError(operation: "AES-GCM seal", reason: "key must be 32 bytes") }
        let iv = nonce ?? SecureRandom.bytes(nonceSize)
        // The EVP context lives only for the duration of one call.
        let ctx = try OpenSSLObject("EVP_CIPHER_CTX_new", EVP_CIPHER_CTX_new, free: EVP_CIPHER_CTX_free)
        try check(EVP_EncryptInit_ex(ctx.handle, authkit_aes_256_gcm(), nil, nil, nil), "EVP_EncryptInit_ex")
        try check(authkit_evp_gcm_set_ivlen(ctx.handle, Int32(iv.count)), "set IV length")
        try check(EVP_EncryptInit_ex(ctx.handle, nil, nil, key, iv), "EVP_EncryptInit_ex(key)")
        var length: Int32 = 0
        if !associatedData.isEmpty {
            try check(EVP_EncryptUpdate(ctx.handle, nil, &length, associatedData, Int32(associatedData.count)), "AAD")
        }
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        var total = 0
        if !plaintext.isEmpty {
            try check(EVP_EncryptUpdate(ctx.handle, &out, &length, plaintext, Int32(plaintext.count)),
                      "EVP_EncryptUpdate")
            total = Int(length)
        }
        try out.withUnsafeMutableBufferPointer { (p) throws(CryptoError) in
            try check(EVP_EncryptFinal_ex(ctx.handle, p.baseAddress! + total, &length), "EVP_EncryptFinal_ex")
        }
        total += Int(length)
        var tag = [UInt8](repeating: 0, count: tagSize)
        try check(authkit_evp_gcm_get_tag(ctx.handle, Int32(tagSize), &tag), "get tag")
        return Sealed(nonce: iv, ciphertext: Array(out.prefix(total)), tag: tag)
    }

    /// Returns nil when the tag does not verify (wrong key, tampered data).
    public static func open(_ sealed: Sealed, key: [UInt8], associatedData: [UInt8] = []) throws(CryptoError) -> [UInt8]? {
        guard key.count == keySize else { throw CryptoError(operation: "AES-GCM open", reason: "key must be 32 bytes") }
        guard sealed.tag.count == tagSize, !sealed.nonce.isEmpty else { return nil }
        // The EVP context lives only for the duration of one call.
        let ctx = try OpenSSLObject("EVP_CIPHER_CTX_new", EVP_CIPHER_CTX_new, free: EVP_CIPHER_CTX_free)
        try check(EVP_DecryptInit_ex(ctx.handle, authkit_aes_256_gcm(), nil, nil, nil), "EVP_DecryptInit_ex")
        try check(authkit_evp_gcm_set_ivlen(ctx.handle, Int32(sealed.nonce.count)), "set IV length")
        try check(EVP_DecryptInit_ex(ctx.handle, nil, nil, key, sealed.nonce), "EVP_DecryptInit_ex(key)")
        var length: Int32 = 0
        if !associatedData.isEmpty {
            try check(EVP_DecryptUpdate(ctx.handle, nil, &length, associatedData, Int32(associatedData.count)), "AAD")
        }
        var out = [UInt8](repeating: 0, count: sealed.ciphertext.count + 16)
        var total = 0
        if !sealed.ciphertext.isEmpty {
            try check(
                EVP_DecryptUpdate(ctx.handle, &out, &length, sealed.ciphertext, Int32(sealed.ciphertext.count)),
                "EVP_DecryptUpdate")
            total = Int(length)
        }
        var tag = sealed.tag
        try check(authkit_evp_gcm_set_tag(ctx.handle, Int32(tagSize), &tag), "set tag")
        let final = out.withUnsafeMutableBufferPointer { p in
            EVP_DecryptFinal_ex(ctx.handle, p.baseAddress! + total, &length)
        }
        guard final == 1 else {
            _ = drainErrorQueue()
            return nil
        }
        total += Int(length)
        return Array(out.prefix(total))
    }
}
