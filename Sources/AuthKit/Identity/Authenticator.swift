/// drf-auth-kit's JWT cookie authentication (API.md §2): the `Authorization: Bearer` header,
/// or — only when there is no Authorization header at all — the access-token cookie.
public struct Authenticator: Sendable {
    let jwt: JWT
    let cookieName: String

    public init(tokens: TokenSettings, cookies: CookieSettings) {
        jwt = JWT(secretKey: tokens.secretKey)
        cookieName = cookies.accessName
    }

    /// The authenticated, active user and when the session logged in (the token's
    /// `auth_time`), or a 401 `APIError` with simplejwt's body.
    public func authenticate(_ context: RequestContext) throws -> (user: User, authTime: Int64?) {
        let raw: String
        if let header = context.request.headers.authorization, let token = Self.plainBearer(header) {
            // The usual form, `Bearer <token>`, without splitting (an array of slices per request).
            raw = token
        } else if let header = context.request.headers.authorization {
            // Python's str.split(): any run of ASCII whitespace separates.
            let parts = header.utf8.split(whereSeparator: Self.isSpace)
            guard let keyword = parts.first, keyword.elementsEqual("Bearer".utf8) else { throw Self.noCredentials }
            guard parts.count == 2 else {
                throw APIError.unauthorized("Authorization header must contain two space-delimited values", code: "bad_authorization_header")
            }
            raw = String(Substring(parts[1]))
        } else {
            guard let cookie = AuthCookies.value(cookieName, in: context.request.headers.cookie), !cookie.isEmpty else {
                throw Self.noCredentials
            }
            raw = cookie
        }
        let claims: JWT.Claims
        do {
            claims = try jwt.verify(raw, expected: .access, now: context.clock.now().seconds)
        } catch {
            throw Self.invalidToken(error.message)
        }
        guard let userID = claims.userID else {
            throw APIError.unauthorized("Token contained no recognizable user identification", code: "token_not_valid")
        }
        guard let id = Int64(userID), let user = try context.db(retry: true, { try UserStore($0).findWithMethods(id: id) }) else {
            throw APIError.unauthorized("User not found", code: "user_not_found")
        }
        guard user.isActive else { throw APIError.unauthorized("User is inactive", code: "user_inactive") }
        // The user row is read anyway: sessions revoked since the token was issued end here.
        guard user.acceptsSession(issuedAt: claims.iat) else { throw Self.invalidToken("Token is invalid") }
        return (user, claims.authTime)
    }

    /// simplejwt's answer for an access token that does not hold.
    static func invalidToken(_ message: String) -> APIError {
        var body = JSONObject()
        body.append("detail", "Given token not valid for any token type")
        body.append("code", "token_not_valid")
        body.append("messages", [.object(["token_class": "AccessToken", "token_type": "access", "message": .string(message)])])
        return APIError.unauthorized(body: .object(body))
    }

    static let noCredentials = APIError.unauthorized("Authentication credentials were not provided.")

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }

    /// The token of `Bearer <token>` with exactly one space and no other whitespace: what
    /// str.split() would make of it, found without splitting. Nil for every other shape.
    static func plainBearer(_ header: String) -> String? {
        let utf8 = header.utf8
        let prefix = "Bearer ".utf8
        guard utf8.count > prefix.count, utf8.starts(with: prefix) else { return nil }
        let rest = utf8.dropFirst(prefix.count)
        guard !rest.contains(where: isSpace) else { return nil }
        return String(Substring(rest))
    }
}

extension APIError {
    /// 401 with `WWW-Authenticate: Bearer realm="api"`, as every 401 of the API carries.
    public static func unauthorized(_ message: String, code: String? = nil) -> APIError {
        unauthorized(body: detail(.unauthorized, message, code: code).body)
    }

    public static func unauthorized(body: JSONValue) -> APIError {
        APIError(status: .unauthorized, body: body, headers: [("WWW-Authenticate", "Bearer realm=\"api\"")])
    }
}
