/// POST logout/ (API.md §7): deletes the auth cookies and — unlike the reference — revokes the
/// refresh token (from its cookie, or a `refresh` field in the body), so it cannot mint new
/// access tokens afterwards. The body is otherwise ignored, as in the reference.
public struct LogoutController: Sendable {
    let jwt: JWT
    let cookies: AuthCookies

    public init(tokens: TokenSettings, cookies: CookieSettings) {
        jwt = JWT(secretKey: tokens.secretKey)
        self.cookies = AuthCookies(cookies)
    }

    public func logout(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        var candidates: [String] = []
        if let cookie = AuthCookies.value(cookies.settings.refreshName, in: context.request.headers.cookie), !cookie.isEmpty {
            candidates.append(cookie)
        }
        // A malformed or foreign body must not change the answer: read it leniently.
        if case .object(let o)? = try? context.body(), case .string(let s)? = o["refresh"], !s.isEmpty {
            candidates.append(s)
        }
        let now = context.clock.now().seconds
        for raw in candidates {
            guard let claims = try? jwt.verify(raw, expected: .refresh, now: now), let jti = claims.jti,
                  claims.userID == String(user.id) else { continue }
            _ = try context.db { try RevokedTokens($0).revoke(jti: jti, userID: user.id, expiresAt: claims.exp) }
            context.logger.info("refresh token revoked at logout")
        }
        return .json(.ok, ["detail": "Successfully logged out."], headers: cookies.enabled ? cookies.deleteBoth() : [])
    }

    /// POST logout/all/ (not in drf-auth-kit): ends every session of the user — refresh and
    /// access tokens issued before now, pending second steps aside (they need the password
    /// again only if it changes), and device cookies — then logs this client out as logout/ does.
    public func logoutEverywhere(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        try context.db { try UserStore($0).revokeSessions(id: user.id, now: context.clock.now().seconds) }
        context.logger.notice("all sessions revoked by the user")
        _ = try logout(&context)
        return .json(.ok, ["detail": "Successfully logged out from all devices."],
                     headers: cookies.enabled ? cookies.deleteBoth() : [])
    }
}
