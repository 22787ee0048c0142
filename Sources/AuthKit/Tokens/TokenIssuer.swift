import CryptoCore

/// Issues access/refresh pairs as simplejwt does: `exp = iat + lifetime` in whole seconds,
/// `jti` a UUID4 in hex, `user_id` the pk as a string. The `*_expiration` body fields are the
/// issue time plus the lifetime, with microseconds.
public struct TokenIssuer: Sendable {
    public let jwt: JWT
    public let accessLifetime: Int64
    public let refreshLifetime: Int64

    public init(settings: TokenSettings) {
        jwt = JWT(secretKey: settings.secretKey)
        accessLifetime = settings.accessTokenLifetime
        refreshLifetime = settings.refreshTokenLifetime
    }

    public struct Issued: Sendable {
        public let token: String
        public let claims: JWT.Claims
        public let expiration: UnixTime
    }

    /// `authTime`: when the user last logged in (now, for a login; the refresh token's, for a refresh).
    public func issue(_ type: JWT.TokenType, userID: String, now: UnixTime, authTime: Int64? = nil) -> Issued {
        let lifetime = type == .access ? accessLifetime : refreshLifetime
        let expiration = now.adding(seconds: lifetime)
        var claims = JWT.Claims(tokenType: type, exp: expiration.seconds, iat: now.seconds, jti: Self.newJTI(), userID: userID)
        claims.authTime = authTime
        return Issued(token: jwt.sign(claims), claims: claims, expiration: expiration)
    }

    /// A UUID4 without dashes.
    static func newJTI() -> String {
        var bytes = SecureRandom.bytes(16)
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        return Hex.encode(bytes)
    }
}
