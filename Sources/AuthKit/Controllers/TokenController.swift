/// POST token/refresh/ and token/verify/ (API.md §7).
public struct TokenController: Sendable {
    let issuer: TokenIssuer
    let rotate: Bool
    let cookies: AuthCookies

    public init(tokens: TokenSettings, cookies: CookieSettings) {
        issuer = TokenIssuer(settings: tokens)
        rotate = tokens.rotateRefreshTokens
        self.cookies = AuthCookies(cookies)
    }

    public func refresh(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(TokenRefreshRequest.self)
        let fromBody = request.refresh.map(\.value).flatMap { $0.isEmpty ? nil : $0 }
        guard let raw = fromBody ?? AuthCookies.value(cookies.settings.refreshName, in: context.request.headers.cookie)
            .flatMap({ $0.isEmpty ? nil : $0 })
        else {
            throw APIError.unauthorized("No valid refresh token found.", code: "token_not_valid")
        }
        let now = context.clock.now()
        let claims: JWT.Claims
        do {
            claims = try issuer.jwt.verify(raw, expected: .refresh, now: now.seconds)
        } catch {
            throw APIError.unauthorized(error.message, code: "token_not_valid")
        }
        guard let jti = claims.jti, let userText = claims.userID, let userID = Int64(userText) else {
            throw APIError.unauthorized("Token is invalid", code: "token_not_valid")
        }
        let (user, usable) = try context.db { connection -> (User?, Bool) in
            let user = try UserStore(connection).find(id: userID)
            let revoked = RevokedTokens(connection)
            // With rotation the old token is spent atomically: two concurrent refreshes with
            // the same token cannot both succeed.
            let usable = rotate ? try revoked.revoke(jti: jti, userID: userID, expiresAt: claims.exp)
                                : try !revoked.isRevoked(jti: jti)
            return (user, usable)
        }
        guard usable else { throw APIError.unauthorized("Token is invalid", code: "token_not_valid") }
        guard let user, user.isActive else {
            throw APIError.unauthorized("No active account found for the given credentials", code: "no_active_account")
        }
        // Issued before the user's sessions were revoked (password change, logout everywhere).
        guard user.acceptsSession(issuedAt: claims.iat) else {
            throw APIError.unauthorized("Token is invalid", code: "token_not_valid")
        }
        let access = issuer.issue(.access, userID: String(user.id), now: now, authTime: claims.authTime)
        var body = JSONObject()
        body.append("access", .string(access.token))
        var headers: [(name: String, value: String)] = []
        if cookies.enabled { headers.append(cookies.setAccess(access.token, maxAge: issuer.accessLifetime, now: now.seconds)) }
        if rotate {
            let next = issuer.issue(.refresh, userID: String(user.id), now: now, authTime: claims.authTime)
            body.append("refresh", .string(cookies.enabled && cookies.settings.httpOnly ? "" : next.token))
            body.append("access_expiration", .string(TimeFormat.iso8601(access.expiration)))
            body.append("refresh_expiration", .string(TimeFormat.iso8601(next.expiration)))
            if cookies.enabled { headers.append(cookies.setRefresh(next.token, maxAge: issuer.refreshLifetime, now: now.seconds)) }
        } else {
            body.append("access_expiration", .string(TimeFormat.iso8601(access.expiration)))
        }
        return .json(.ok, body, headers: headers)
    }

    public func verify(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(TokenVerifyRequest.self)
        let claims: JWT.Claims
        do {
            claims = try issuer.jwt.verify(request.token, expected: nil, now: context.clock.now().seconds)
        } catch {
            throw APIError.unauthorized(error.message, code: "token_not_valid")
        }
        if claims.tokenType == .refresh, let jti = claims.jti,
           try context.db(retry: true, { try RevokedTokens($0).isRevoked(jti: jti) }) {
            throw APIError.unauthorized("Token is invalid", code: "token_not_valid")
        }
        return .json(.ok, JSONObject())
    }
}
