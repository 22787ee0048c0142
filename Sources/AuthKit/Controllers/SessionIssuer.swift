/// Completes a login (first step without MFA, or the second step): records `last_login`,
/// issues the token pair and answers with drf-auth-kit's body and cookies, plus a device cookie.
public struct SessionIssuer: Sendable {
    let issuer: TokenIssuer
    let cookies: AuthCookies
    let devices: DeviceCookie
    let basePath: String

    /// `basePath`: the device cookie's path (only the API reads it).
    public init(tokens: TokenSettings, cookies: CookieSettings, basePath: String) {
        issuer = TokenIssuer(settings: tokens)
        self.cookies = AuthCookies(cookies)
        devices = DeviceCookie(secretKey: tokens.secretKey, lifetime: cookies.deviceLifetime)
        self.basePath = basePath
    }

    /// `{"access", "refresh", "access_expiration", "refresh_expiration", "user"}` (+ `mfa_enabled:
    /// false` for login/ itself), with both cookies. `refresh` is "" when an HttpOnly cookie
    /// carries it.
    /// `recordedAt`: the login was already recorded at that time (by the statement that
    /// consumed the second factor), saving a round trip.
    public func completeLogin(_ user: User, _ context: RequestContext, mfaEnabledKey: Bool,
                              recordedAt: UnixTime? = nil) throws -> HTTPResponse {
        let now = recordedAt ?? context.clock.now()
        if recordedAt == nil { try context.db { try UserStore($0).recordLogin(id: user.id, at: now) } }
        let access = issuer.issue(.access, userID: String(user.id), now: now, authTime: now.seconds)
        let refresh = issuer.issue(.refresh, userID: String(user.id), now: now, authTime: now.seconds)
        var body = JSONObject()
        body.append("access", .string(access.token))
        body.append("refresh", .string(hidesRefresh ? "" : refresh.token))
        body.append("access_expiration", .string(TimeFormat.iso8601(access.expiration)))
        body.append("refresh_expiration", .string(TimeFormat.iso8601(refresh.expiration)))
        body.append("user", user.json)
        if mfaEnabledKey { body.append("mfa_enabled", false) }
        var headers: [(name: String, value: String)] = []
        if cookies.enabled {
            headers.append(cookies.setAccess(access.token, maxAge: issuer.accessLifetime, now: now.seconds))
            headers.append(cookies.setRefresh(refresh.token, maxAge: issuer.refreshLifetime, now: now.seconds))
        }
        // A new device cookie at every login (OWASP's device cookies): this client's failures
        // for this account count on a budget of its own from now on.
        headers.append(cookies.setDevice(devices.make(username: user.username, now: now.seconds), path: basePath,
                                         maxAge: devices.lifetime, now: now.seconds))
        return .json(.ok, body, headers: headers)
    }

    /// With cookies on and HttpOnly, the refresh token travels only in its cookie.
    var hidesRefresh: Bool { cookies.enabled && cookies.settings.httpOnly }
}
