import COpenSSL

/// The hash functions this service uses.
public enum DigestAlgorithm: Sendable {
    case sha1, sha256, sha512

    /// The digest as fetched once per process (see the shim: the legacy `EVP_sha256()` objects
    /// cost a provider lookup on every use).
    var evp: OpaquePointer? { authkit_digest(fetched) }

    /// The shim's index of the digest fetched once per process.
    var fetched: Int32 {
        switch self {
        case .sha1: return Int32(AUTHKIT_SHA1)
        case .sha256: return Int32(AUTHKIT_SHA256)
        case .sha512: return Int32(AUTHKIT_SHA512)
        }
    }

    public var outputSize: Int {
        switch self {
        case .sha1: return 20
        case .sha256: return 32
        case .sha512: return 64
        }
    }
}

public enum Digest {
    /// One-shot message digest.
    public static func hash(_ algorithm: DigestAlgorithm, _ data: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let bytes = Array(data)
        let ok = bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, algorithm.evp, nil)
            }
        }
        precondition(ok == 1, "EVP_Digest failed: \(drainErrorQueue())")
        return Array(out.prefix(Int(length)))
    }
}

public enum HMAC {
    /// HMAC of `message` under `key`. Keys and messages of any length are accepted.
    public static func authenticate(
        _ algorithm: DigestAlgorithm, key: some Collection<UInt8>, message: some Collection<UInt8>
    ) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // libcrypto wants non-NULL pointers even for empty input: pad, but pass the real lengths.
        let keyBytes = Array(key), messageBytes = Array(message)
        let k = keyBytes.isEmpty ? [0] : keyBytes, m = messageBytes.isEmpty ? [0] : messageBytes
        let result = out.withUnsafeMutableBufferPointer { o in
            authkit_hmac(algorithm.fetched, k, Int32(keyBytes.count), m, messageBytes.count, o.baseAddress, &length)
        }
        precondition(result == 1, "HMAC failed: \(drainErrorQueue())")
        return Array(out.prefix(Int(length)))
    }
}

public enum PBKDF2 {
    /// PBKDF2-HMAC (RFC 8018). Costs `iterations` HMAC computations: this is the slow hash.
    public static func derive(
        _ algorithm: DigestAlgorithm, password: some Collection<UInt8>, salt: some Collection<UInt8>,
        iterations: Int, keyLength: Int
    ) -> [UInt8] {
        precondition(iterations > 0 && iterations <= Int(Int32.max))
        var out = [UInt8](repeating: 0, count: keyLength)
        let passwordBytes = Array(password).map { CChar(bitPattern: $0) }
        let saltBytes = Array(salt)
        let ok = passwordBytes.withUnsafeBufferPointer { p in
            saltBytes.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    PKCS5_PBKDF2_HMAC(
                        p.baseAddress, Int32(p.count), s.baseAddress, Int32(s.count), Int32(iterations),
                        algorithm.evp, Int32(keyLength), o.baseAddress)
                }
            }
        }
        precondition(ok == 1, "PBKDF2 failed: \(drainErrorQueue())")
        return out
    }
}

public enum ConstantTime {
    /// Compares two byte strings in time that depends only on their lengths.
    public static func equals(_ x: [UInt8], _ y: [UInt8]) -> Bool {
        guard x.count == y.count else { return false }
        if x.isEmpty { return true }
        return x.withUnsafeBytes { px in
            y.withUnsafeBytes { py in CRYPTO_memcmp(px.baseAddress, py.baseAddress, x.count) == 0 }
        }
    }
}
