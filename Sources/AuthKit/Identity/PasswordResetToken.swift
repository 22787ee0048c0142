import CryptoCore

/// Password reset links' `uid` and `token`, made as drf-auth-kit (allauth's
/// `EmailAwarePasswordResetTokenGenerator` over Django's `PasswordResetTokenGenerator`) makes
/// them (docs/contract/account.md §8), so a token minted by a Django site sharing the secret
/// key and the users table works here and the reverse.
///
/// Nothing is stored: the token is `<base36 seconds since 2001-01-01>-<32 hex>`, the hex being
/// every other character of an HMAC over the user's id, password hash, last login, the
/// timestamp and e-mail. So it dies when the password changes (it is single-use that way),
/// when the user logs in, when the address changes, and after `timeout` seconds.
public struct PasswordResetToken: Sendable {
    /// SHA256(key salt + SECRET_KEY): Django's `salted_hmac` key.
    let key: [UInt8]
    let timeout: Int64

    /// 2001-01-01T00:00:00Z, Django's token epoch.
    static let epoch: Int64 = 978_307_200

    public init(secretKey: String, timeout: Int64) {
        key = Digest.hash(.sha256, Array(("django.contrib.auth.tokens.PasswordResetTokenGenerator" + secretKey).utf8))
        self.timeout = timeout
    }

    /// What the token covers of a user: everything whose change must void it.
    public struct Subject: Sendable {
        public let id: Int64
        public let passwordHash: String
        /// Microseconds since the epoch; nil: never logged in.
        public let lastLoginMicros: Int64?
        public let email: String

        public init(id: Int64, passwordHash: String, lastLoginMicros: Int64?, email: String) {
            self.id = id
            self.passwordHash = passwordHash
            self.lastLoginMicros = lastLoginMicros
            self.email = email
        }
    }

    /// A token for `subject`, dated `now`.
    public func make(for subject: Subject, now: UnixTime) -> String {
        make(subject, timestamp: max(0, now.seconds - Self.epoch))
    }

    /// Whether `token` was made for `subject` (as it is now) less than `timeout` seconds ago.
    /// Compared whole and in constant time, so an upper-case token fails as on the reference.
    public func check(_ token: String, for subject: Subject, now: UnixTime) -> Bool {
        let parts = token.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let timestamp = Self.base36(parts[0]) else { return false }
        let expected = make(subject, timestamp: timestamp)
        guard ConstantTime.equals(Array(expected.utf8), Array(token.utf8)) else { return false }
        return now.seconds - Self.epoch - timestamp <= timeout
    }

    private func make(_ subject: Subject, timestamp: Int64) -> String {
        // Django drops the microseconds and the zone of last_login and formats it with str().
        let login = subject.lastLoginMicros.map { TimeFormat.pythonDateTime(UnixTime(microseconds: $0).seconds) } ?? ""
        // allauth appends the user's addresses after Django's value, which ends with the email
        // field: one address appears twice.
        let value = String(subject.id) + subject.passwordHash + login + String(timestamp) + subject.email + subject.email
        let mac = Hex.encode(HMAC.authenticate(.sha256, key: key, message: Array(value.utf8)))
        let every2nd = mac.enumerated().compactMap { $0.offset % 2 == 0 ? $0.element : nil }
        return String(timestamp, radix: 36) + "-" + String(every2nd)
    }

    /// A user id as the link carries it: base36, lower case.
    public static func uid(_ id: Int64) -> String { String(id, radix: 36) }

    /// The user id of a link's `uid` (either case, as Django's `base36_to_int`); nil when it is
    /// not base36 or longer than 13 digits.
    public static func userID(fromUID uid: String) -> Int64? { base36(Substring(uid)) }

    static func base36(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.count <= 13, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return nil
        }
        return Int64(text, radix: 36)
    }
}
