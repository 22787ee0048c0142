import CryptoCore

/// Password hashes in Django's format, byte-compatible both ways:
/// `pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte key>` (and Django's older
/// `pbkdf2_sha1`). A value starting with `!` is Django's unusable password.
/// Hashes of Django's argon2 and bcrypt hashers (`argon2$...`, `bcrypt_sha256$...`, `bcrypt$...`)
/// are accepted too, so accounts move over from sites using them; they are always upgraded.
public enum DjangoPassword {
    public enum Verdict: Equatable, Sendable {
        case mismatch
        /// Correct; `needsUpgrade` when it was hashed with another algorithm or iteration count.
        case match(needsUpgrade: Bool)
    }

    /// Django's salt alphabet (`get_random_string`): 22 characters ≈ 131 bits.
    static let saltAlphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    public static func make(_ password: String, iterations: Int, salt: String? = nil) -> String {
        let salt = salt ?? SecureRandom.string(count: 22, alphabet: saltAlphabet)
        let key = PBKDF2.derive(.sha256, password: Array(password.utf8), salt: Array(salt.utf8), iterations: iterations, keyLength: 32)
        return "pbkdf2_sha256$\(iterations)$\(salt)$\(Base64.encode(key))"
    }

    /// Checks `password` against `encoded`. Costs one slow hash (PBKDF2, Argon2 or bcrypt) for any
    /// well-formed hash; malformed or unusable hashes, and argon2/bcrypt costs beyond the caps of
    /// `Argon2` and `BCrypt`, fail without one (call `burn` to keep timing even).
    public static func verify(_ password: String, against encoded: String, currentIterations: Int) -> Verdict {
        if encoded.hasPrefix("argon2$") {
            return DjangoArgon2Hash(encoded)?.matches(password) == true ? .match(needsUpgrade: true) : .mismatch
        }
        if encoded.hasPrefix("bcrypt_sha256$") || encoded.hasPrefix("bcrypt$") {
            return DjangoBCryptHash(encoded)?.matches(password) == true ? .match(needsUpgrade: true) : .mismatch
        }
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, let iterations = Int(parts[1]), iterations > 0, iterations <= 100_000_000 else { return .mismatch }
        let algorithm: DigestAlgorithm
        let length: Int
        switch parts[0] {
        case "pbkdf2_sha256": algorithm = .sha256; length = 32
        case "pbkdf2_sha1": algorithm = .sha1; length = 20
        default: return .mismatch
        }
        guard let expected = Base64.decode(parts[3], urlSafe: false) else { return .mismatch }
        let key = PBKDF2.derive(algorithm, password: Array(password.utf8), salt: Array(parts[2].utf8),
                                iterations: iterations, keyLength: length)
        guard ConstantTime.equals(key, expected) else { return .mismatch }
        return .match(needsUpgrade: algorithm != .sha256 || iterations != currentIterations)
    }

    /// Spends the time of one check, for unknown users: timing must not tell whether a
    /// username exists (Django runs the hasher once for them too).
    public static func burn(_ password: String, iterations: Int) {
        _ = PBKDF2.derive(.sha256, password: Array(password.utf8), salt: Array("authkit-dummy-salt".utf8),
                          iterations: iterations, keyLength: 32)
    }
}
