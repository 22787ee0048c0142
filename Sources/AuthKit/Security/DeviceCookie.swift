import CryptoCore

/// OWASP's device cookies ("Slow Down Online Guessing Attacks with Device Cookies"): after a
/// successful login the client gets a long-lived, HttpOnly, signed cookie naming the login name
/// and a random device id. A later attempt for that name that presents it is counted on the
/// device's own failure budget, so guesses by others — who cannot have such a cookie — can
/// throttle only clients without one, never the owner's browsers.
///
/// Value: `v1.<base64url(login name)>.<device id, 32 hex>.<issued at, unix seconds>.<base64url HMAC-SHA256>`,
/// keyed with a key derived from AUTHKIT_SECRET_KEY. Void when older than its lifetime or than
/// the user's `sessions_revoked_at` (password change, revoked sessions).
public struct DeviceCookie: Sendable {
    public struct Token: Sendable, Equatable {
        public let username: String
        public let deviceID: String
        public let issuedAt: Int64
    }

    private let key: [UInt8]
    public let lifetime: Int64

    public init(secretKey: String, lifetime: Int64) {
        key = HMAC.authenticate(.sha256, key: Array(secretKey.utf8), message: Array("authkit.device-cookie.v1".utf8))
        self.lifetime = lifetime
    }

    /// A new cookie value for `username` (a new device id each login: the cookie rotates).
    public func make(username: String, now: Int64) -> String {
        let body = "v1.\(Base64.encodeURL(Array(username.utf8))).\(Hex.encode(SecureRandom.bytes(16))).\(now)"
        return body + "." + mac(body)
    }

    /// The token a cookie value carries, if it is ours, unaltered and not expired at `now`.
    public func parse(_ value: String, now: Int64) -> Token? {
        let parts = value.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].elementsEqual("v1".utf8), parts[2].count == 32,
              let issuedAt = Int64(Substring(parts[3])), now - issuedAt < lifetime,
              issuedAt <= now + 60 else { return nil }
        let body = value.utf8.prefix(value.utf8.count - parts[4].count - 1)
        guard ConstantTime.equals(Array(mac(String(decoding: body, as: UTF8.self)).utf8), Array(parts[4])),
              let name = Base64.decode(Substring(parts[1]), urlSafe: true) else { return nil }
        return Token(username: String(decoding: name, as: UTF8.self), deviceID: String(Substring(parts[2])),
                     issuedAt: issuedAt)
    }

    private func mac(_ body: String) -> String {
        Base64.encodeURL(HMAC.authenticate(.sha256, key: key, message: Array(body.utf8)))
    }
}

/// Whose failure budget an attempt counts against: the device's own, when the client presented
/// a valid device cookie for the account, else the budget shared by every other client.
public enum AttemptLane: Sendable, Equatable {
    case untrusted
    case device(String)

    public var deviceID: String? { if case .device(let id) = self { return id } else { return nil } }
}
