import CryptoCore

/// The second-step login token (API.md §3.4): `<pk>-<method>-<ts base36>-<40 hex>`, where the
/// hex is Django's salted HMAC-SHA1 (key = SHA1(salt + SECRET_KEY)).
///
/// Unlike drf-auth-kit, the MAC input also holds the user's `last_login` and password hash: the
/// token stops working once it has completed a login (or any other login of that user
/// happened) and once the password changes, as Django's password-reset tokens do.
public struct EphemeralToken: Sendable {
    static let keySalt = "auth_kit.mfa.utils.UserTokenGenerator"
    private let key: [UInt8]
    private let expiry: Int64

    public init(secretKey: String, expiry: Int64) {
        key = Digest.hash(.sha1, Array((Self.keySalt + secretKey).utf8))
        self.expiry = expiry
    }

    public struct Parsed: Sendable, Equatable {
        public let userID: Int64
        public let method: String
        public let timestamp: Int64
        let mac: String
    }

    /// `issuedAt`: when the first login step happened — a token made again for resend or
    /// another method keeps it, so a second step never outlives the password step it came from.
    public func make(userID: Int64, method: String, email: String, lastLoginMicros: Int64?, passwordHash: String,
                     issuedAt: Int64) -> String {
        let mac = mac(userID: userID, method: method, timestamp: issuedAt, email: email, lastLogin: lastLoginMicros,
                      passwordHash: passwordHash)
        return "\(userID)-\(method)-\(Self.base36(issuedAt))-\(mac)"
    }

    /// Splits a token from the right (a method name may not contain '-', the pk has none).
    public static func parse(_ token: String) -> Parsed? {
        // Split as bytes (the separator is ASCII): a Character-wise split was the largest
        // single cost of a wrong-code request.
        let parts = token.utf8.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
            .map { Substring($0) }
        guard parts.count >= 4 else { return nil }
        let mac = String(parts[parts.count - 1])
        let tsText = parts[parts.count - 2]
        let method = String(parts[parts.count - 3])
        let pkText = parts[0..<(parts.count - 3)].joined(separator: "-")
        guard tsText.count <= 13, let ts = Int64(tsText.lowercased(), radix: 36), ts >= 0,
              let pk = Int64(pkText), pk > 0, !method.isEmpty else { return nil }
        return Parsed(userID: pk, method: method, timestamp: ts, mac: mac)
    }

    /// Checks expiry and the MAC against the user's current email and last login.
    public func isValid(_ token: Parsed, email: String, lastLoginMicros: Int64?, passwordHash: String,
                        now: Int64) -> Bool {
        guard now - token.timestamp <= expiry else { return false }
        let expected = mac(userID: token.userID, method: token.method, timestamp: token.timestamp, email: email,
                           lastLogin: lastLoginMicros, passwordHash: passwordHash)
        return ConstantTime.equals(Array(expected.utf8), Array(token.mac.utf8))
    }

    private func mac(userID: Int64, method: String, timestamp: Int64, email: String, lastLogin: Int64?,
                     passwordHash: String) -> String {
        let text = "\(userID):\(timestamp):\(email):\(method):\(lastLogin.map(String.init) ?? ""):\(passwordHash)"
        return Hex.encode(HMAC.authenticate(.sha1, key: key, message: Array(text.utf8)))
    }

    static func base36(_ value: Int64) -> String { String(value, radix: 36) }
}
