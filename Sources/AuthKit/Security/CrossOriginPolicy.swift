/// What browsers on other origins may do (docs/security.md, "Browsers").
///
/// CSRF: a cookie-authenticated change (POST/PUT/PATCH/DELETE carrying an auth cookie and no
/// Authorization header) must come from the service's own origin, a CSRF_TRUSTED_ORIGINS one or
/// a CORS_ALLOWED_ORIGINS one. Browsers always send `Origin` on such requests (and
/// `Sec-Fetch-Site`), and a page cannot forge either, so checking them is enough; a
/// double-submit token would add nothing. Requests without any of these headers come from
/// non-browser clients, which carry no ambient credentials, and pass.
///
/// CORS: answers to listed origins carry `Access-Control-Allow-Origin` with credentials, and
/// their preflights are answered with the route's methods; other origins get nothing.
public struct CrossOriginPolicy: Sendable {
    let trusted: Set<String>
    let corsAllowed: Set<String>
    let maxAge: Int
    /// Names of the cookies that authenticate (access and refresh).
    let authCookies: [String]

    public init(browsers: BrowserSettings, cookies: CookieSettings) {
        corsAllowed = Set(browsers.corsAllowedOrigins)
        trusted = Set(browsers.csrfTrustedOrigins).union(corsAllowed)
        maxAge = browsers.corsMaxAge
        authCookies = [cookies.accessName, cookies.refreshName]
    }

    /// Headers a preflight may ask for (django-cors-headers' defaults).
    static let allowedHeaders = "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with"
    /// Headers a page may read besides the simple ones.
    static let exposedHeaders = "Retry-After, X-Request-ID"

    // MARK: CSRF

    /// Why a request must be refused as a cross-site request forgery (DRF's 403 detail), or nil.
    public func csrfFailure(_ request: HTTPRequest) -> String? {
        switch request.method {
        case .post, .put, .patch, .delete: break
        default: return nil
        }
        let headers = request.headers
        // A bearer token is not sent by the browser on its own: nothing to forge.
        guard headers.authorization == nil,
              authCookies.contains(where: { AuthCookies.value($0, in: headers.cookie) != nil }) else { return nil }
        if headers.secFetchSite == "cross-site" {
            if let origin = headers.origin, isTrusted(origin, request) { return nil }
            return "CSRF Failed: Cross-site request refused."
        }
        if let origin = headers.origin {
            return isTrusted(origin, request)
                ? nil : "CSRF Failed: Origin checking failed - \(origin) does not match any trusted origins."
        }
        if let referer = headers.referer {
            return Self.origin(ofURL: referer).map { isTrusted($0, request) } == true
                ? nil : "CSRF Failed: Referer checking failed - \(referer) does not match any trusted origins."
        }
        return nil
    }

    /// The service's own origin (the scheme nginx saw and the Host the browser sent), or a listed one.
    func isTrusted(_ origin: String, _ request: HTTPRequest) -> Bool {
        if let host = request.headers.host, origin == (request.headers.scheme ?? "http") + "://" + host { return true }
        return trusted.contains(origin)
    }

    /// `scheme://host[:port]` of an absolute http(s) URL.
    static func origin(ofURL url: String) -> String? {
        guard let separator = url.firstRange(of: "://") else { return nil }
        let scheme = url[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let authority = url[separator.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty else { return nil }
        return scheme + "://" + authority
    }

    // MARK: CORS

    public var enabled: Bool { !corsAllowed.isEmpty }

    /// Headers every answer to `request` gets: none unless CORS is configured; then `Vary:
    /// Origin` always (caches must not mix origins) and the allow headers for listed origins.
    public func corsHeaders(_ request: HTTPRequest) -> [(name: String, value: String)] {
        guard enabled else { return [] }
        var headers: [(name: String, value: String)] = [("Vary", "Accept, Origin")]
        if let origin = request.headers.origin, corsAllowed.contains(origin) {
            headers += [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true"),
                        ("Access-Control-Expose-Headers", Self.exposedHeaders)]
        }
        return headers
    }

    /// The answer to a preflight (OPTIONS with Access-Control-Request-Method) from a listed
    /// origin: 200, empty, with the route's methods (the caller adds `corsHeaders`); nil for
    /// anything else.
    public func preflight(_ request: HTTPRequest, allow: String) -> HTTPResponse? {
        guard request.method == .options, request.headers.accessControlRequestMethod != nil,
              let origin = request.headers.origin, corsAllowed.contains(origin) else { return nil }
        var response = HTTPResponse(status: .ok, contentType: nil)
        response.addHeader("Access-Control-Allow-Methods", allow)
        response.addHeader("Access-Control-Allow-Headers", Self.allowedHeaders)
        response.addHeader("Access-Control-Max-Age", String(maxAge))
        return response
    }
}
