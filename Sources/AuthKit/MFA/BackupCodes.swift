import CryptoCore

/// Backup (recovery) codes: drawn uniformly from the configured alphabet, shown once, stored
/// only as hashes. All codes of a method share one salt, so checking a guess costs exactly one
/// hash whatever the number of codes left: the hash of the guess is looked up in the stored set.
public struct BackupCodes: Sendable {
    /// How a method's codes were hashed; stored beside them so a settings change never breaks
    /// existing codes.
    public enum Scheme: Sendable, Equatable {
        /// PBKDF2-HMAC-SHA256 with the method's salt: slow, resists offline guessing.
        case pbkdf2(iterations: Int)
        /// HMAC-SHA256 keyed with a key derived from AUTHKIT_SECRET_KEY: fast.
        case hmac

        public var text: String {
            switch self {
            case .pbkdf2(let i): return "pbkdf2_sha256$\(i)"
            case .hmac: return "hmac_sha256"
            }
        }

        public init?(text: String) {
            if text == "hmac_sha256" { self = .hmac; return }
            let parts = text.split(separator: "$")
            guard parts.count == 2, parts[0] == "pbkdf2_sha256", let i = Int(parts[1]), i > 0 else { return nil }
            self = .pbkdf2(iterations: i)
        }

        /// Whether checking one guess is a stretched hash, and so runs in the request's lane of
        /// the hashing budget: even at today's cost (a few milliseconds) a flood of guesses must
        /// not take the CPU the other endpoints need.
        public var isSlow: Bool { if case .pbkdf2 = self { return true } else { return false } }
    }

    private let hmacKey: [UInt8]
    /// The scheme new codes are hashed with.
    public let scheme: Scheme

    /// The evidence kind of a backup code (audit trail, metrics).
    public static let kind = "backup"
    /// Single use: the hash is removed by the statement that accepts it.
    static let redemption = Redemption(name: "backup", assignments: "backup_codes = array_remove(backup_codes, $11)",
                                       condition: "$11 = ANY (backup_codes)")

    public init(secretKey: String, scheme: Scheme = .hmac) {
        hmacKey = Digest.hash(.sha256, Array(("authkit.backup-codes" + secretKey).utf8))
        self.scheme = scheme
    }

    /// A new set: the codes (shown once), their salt and their hashes.
    public func newSet(count: Int, length: Int, alphabet: [Character])
        -> (codes: [String], salt: String, hashes: [String]) {
        let codes = Self.generate(count: count, length: length, alphabet: alphabet)
        let salt = Self.newSalt()
        return (codes, salt, codes.map { hash($0, salt: salt, scheme: scheme) })
    }

    /// What `code` proves for `method`: a backup code if its hash is among the method's.
    /// The hash is looked up by the redeeming statement; here it is only computed (one hash
    /// whatever the number of codes left).
    func evidence(_ code: String, for method: MFAMethod) -> Evidence? {
        guard let scheme = method.backupScheme else { return nil }
        return Evidence(kind: Self.kind, redemption: Self.redemption,
                        parameters: [hash(code, salt: method.backupSalt, scheme: scheme)])
    }

    public static func generate(count: Int, length: Int, alphabet: [Character]) -> [String] {
        var codes: [String] = []
        while codes.count < count {
            let code = SecureRandom.string(count: length, alphabet: alphabet)
            if !codes.contains(code) { codes.append(code) }
        }
        return codes
    }

    public static func newSalt() -> String { Hex.encode(SecureRandom.bytes(16)) }

    /// The stored form of `code`: base64 of the derived key.
    public func hash(_ code: String, salt: String, scheme: Scheme) -> String {
        switch scheme {
        case .pbkdf2(let iterations):
            return Base64.encode(PBKDF2.derive(.sha256, password: Array(code.utf8), salt: Array(salt.utf8),
                                               iterations: iterations, keyLength: 32))
        case .hmac:
            return Base64.encode(HMAC.authenticate(.sha256, key: hmacKey, message: Array((salt + ":" + code).utf8)))
        }
    }
}
