import CryptoCore

/// RFC 6238 time-based one-time passwords (RFC 4226 HOTP over a 64-bit step counter), with
/// HMAC-SHA1 and 6 digits as authenticator apps and drf-auth-kit use.
public struct TOTP: Sendable {
    public let secret: [UInt8]
    public let interval: Int64
    public let digits: Int
    public let algorithm: DigestAlgorithm

    public init(secret: [UInt8], interval: Int64, digits: Int = 6, algorithm: DigestAlgorithm = .sha1) {
        self.secret = secret
        self.interval = interval
        self.digits = digits
        self.algorithm = algorithm
    }

    /// A base32 secret as stored for a method; nil when it does not decode.
    public init?(base32 secret: String, interval: Int64) {
        guard let bytes = Base32.decode(secret), !bytes.isEmpty else { return nil }
        self.init(secret: bytes, interval: interval)
    }

    /// The time step containing `unixSeconds` (T0 = 0), in 64 bits (past 2038).
    public func step(at unixSeconds: Int64) -> Int64 {
        unixSeconds >= 0 ? unixSeconds / interval : (unixSeconds - interval + 1) / interval
    }

    /// RFC 4226 §5.3: HMAC of the big-endian counter, dynamic truncation, modulo 10^digits.
    public func code(step: Int64) -> String {
        var counter = [UInt8](repeating: 0, count: 8)
        var value = UInt64(bitPattern: step)
        for i in (0..<8).reversed() {
            counter[i] = UInt8(value & 0xFF)
            value >>= 8
        }
        let mac = HMAC.authenticate(algorithm, key: secret, message: counter)
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary = UInt32(mac[offset] & 0x7F) << 24 | UInt32(mac[offset + 1]) << 16
            | UInt32(mac[offset + 2]) << 8 | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let text = String(binary % modulus)
        return String(repeating: "0", count: digits - text.count) + text
    }

    public func code(at unixSeconds: Int64) -> String { code(step: step(at: unixSeconds)) }

    /// The step within `window` steps of now whose code equals `candidate`, compared in
    /// constant time (every step in the window is computed).
    public func matchingStep(_ candidate: String, at unixSeconds: Int64, window: Int64) -> Int64? {
        let current = step(at: unixSeconds)
        let given = Array(candidate.utf8)
        var found: Int64?
        for s in (current - window)...(current + window) where ConstantTime.equals(Array(code(step: s).utf8), given) {
            if found == nil { found = s }
        }
        return found
    }

    /// 32 base32 characters: 160 random bits (RFC 4226 recommends at least 128).
    public static func newSecret() -> String {
        Base32.encode(SecureRandom.bytes(20))
    }
}
