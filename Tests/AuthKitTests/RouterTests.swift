import Testing
@testable import AuthKit

@Suite struct RouterTests {
    let router = Application(settings: try! Settings.load(from: [:], requireDatabase: false)).router

    func matched(_ path: String, query: String = "") -> String {
        switch router.match(path: path, query: query) {
        case .route(let r): return r.name
        case .redirect(let location): return "301 \(location)"
        case .notFound: return "404"
        }
    }

    @Test func trailingSlashRules() {
        #expect(matched("/api/auth/login/") == "login/")
        #expect(matched("/api/auth/login") == "login/")
        #expect(matched("/api/auth/login//") == "404")
        #expect(matched("/api/auth/token/refresh") == "token/refresh/")
        #expect(matched("/api/auth/mfa/") == "mfa/")
        #expect(matched("/api/auth/mfa") == "301 /api/auth/mfa/")
        #expect(matched("/api/auth/mfa/confirm", query: "a=1") == "301 /api/auth/mfa/confirm/?a=1")
        #expect(matched("/api/auth/mfa/app/") == "404")
        #expect(matched("/api/auth/") == "404")
        #expect(matched("/api/auth") == "404")
        #expect(matched("/api/authlogin/") == "404")
        #expect(matched("/api/auth/LOGIN/") == "404")
        #expect(matched("/api/auth/login%2F") == "login/")
        #expect(matched("/api/auth/healthz") == "healthz/")
    }

    @Test func allowHeadersFollowDRFOrder() {
        let allow = Dictionary(uniqueKeysWithValues: router.allRoutes.map { ($0.name, $0.allow) })
        #expect(allow["login/"] == "POST, OPTIONS")
        #expect(allow["user/"] == "GET, PUT, PATCH, HEAD, OPTIONS")
        #expect(allow["mfa/"] == "GET, POST, HEAD, OPTIONS")
        #expect(allow["mfa/delete/"] == "POST, OPTIONS")
        #expect(allow["healthz/"] == "GET, HEAD, OPTIONS")
        #expect(router.allRoutes.count == 26)
        #expect(allow["password/reset/confirm/"] == "POST, OPTIONS")
    }

    @Test func basePathIsConfigurable() throws {
        let settings = try Settings.load(from: ["AUTHKIT_BASE_PATH": "/auth/v2/"], requireDatabase: false)
        let other = Application(settings: settings).router
        if case .route(let r) = other.match(path: "/auth/v2/login/", query: "") { #expect(r.name == "login/") } else { Issue.record("no match") }
        if case .notFound = other.match(path: "/api/auth/login/", query: "") {} else { Issue.record("old base matched") }
    }
}

@Suite struct ApplicationTests {
    // Without a database: the shared rate limits (counted in PostgreSQL) are off here.
    let app = Application(settings: try! Settings.load(from: ["AUTHKIT_DATABASE_URL": "postgresql:///unused",
                                                              "AUTHKIT_THROTTLE_RATES": "none"]))

    /// Runs the pipeline without a database (none of these paths touch it).
    func respond(_ method: HTTPMethod, _ path: String, contentType: String? = nil, body: String = "",
                 accept: String? = nil, contentLength: Int? = nil) -> HTTPResponse {
        let request = HTTPRequest(method: method, path: path, contentType: contentType, contentLength: contentLength,
                                  headers: .init(accept: accept), body: Array(body.utf8))
        return app.respond(to: request, database: Database(settings: app.settings.database), logger: .init(label: "test")).0
    }

    func text(_ r: HTTPResponse) -> String { String(decoding: r.body, as: UTF8.self) }

    @Test func methodNotAllowedCarriesAllow() {
        let r = respond(.get, "/api/auth/login/")
        #expect(r.status == .methodNotAllowed)
        #expect(text(r) == #"{"detail":"Method \"GET\" not allowed."}"#)
        #expect(r.header("Allow") == "POST, OPTIONS")
        // Protected routes authenticate before the method check, as DRF does.
        let delete = respond(.delete, "/api/auth/mfa/delete/")
        #expect(delete.status == .unauthorized)
        #expect(delete.header("Allow") == "POST, OPTIONS")
        #expect(delete.header("WWW-Authenticate") == "Bearer realm=\"api\"")
        #expect(respond(.delete, "/api/auth/mfa/").header("Allow") == "GET, POST, HEAD, OPTIONS")
    }

    @Test func optionsAnswersMetadata() {
        let r = respond(.options, "/api/auth/login/")
        #expect(r.status == .ok)
        #expect(text(r).hasPrefix(#"{"name":"Login First Step","description":"First step of MFA-enabled authentication.\n\n"#))
        #expect(text(respond(.options, "/api/auth/login/change-method/")).contains(#""choices":[{"value":"app","display_name":"app"},{"value":"email","display_name":"email"}]"#))
    }

    @Test func notFoundIsJSON() {
        let r = respond(.get, "/api/auth/nope/")
        #expect(r.status == .notFound)
        #expect(text(r) == #"{"detail":"Not found."}"#)
        #expect(r.contentType == "application/json")
        #expect(r.header("Allow") == nil)
    }

    @Test func notAcceptable() {
        let r = respond(.post, "/api/auth/login/", contentType: "application/json", body: "{}", accept: "application/xml")
        #expect(r.status == .notAcceptable)
        #expect(text(r) == #"{"detail":"Could not satisfy the request Accept header."}"#)
        #expect(respond(.post, "/api/auth/login/", contentType: "application/json", body: "{}", accept: "text/html").status == .badRequest)
        #expect(respond(.post, "/api/auth/login/", contentType: "application/json", body: "{}", accept: "application/xml, */*;q=0.1").status == .badRequest)
    }

    @Test func bodyTooLarge() {
        let r = respond(.post, "/api/auth/login/", contentType: "application/json", contentLength: 65537)
        #expect(r.status == .payloadTooLarge)
        #expect(text(r) == #"{"detail":"Request body is too large."}"#)
    }

    @Test func bodiesAreValidatedBeforeTheController() {
        #expect(text(respond(.post, "/api/auth/login", contentType: "application/json", body: "{}"))
                == #"{"username":["This field is required."],"password":["This field is required."]}"#)
        #expect(text(respond(.post, "/api/auth/login/verify/", contentType: "application/json", body: #"{"ephemeral_token":"a","code":"b"}"#))
                == #"{"non_field_errors":["Invalid token"]}"#)
    }

    @Test func securityHeadersOnEveryResponse() {
        for r in [respond(.get, "/api/auth/nope"), respond(.get, "/api/auth/mfa"), respond(.options, "/api/auth/user/")] {
            let head = String(decoding: r.serialized(includeBody: false), as: UTF8.self)
            for h in ["Vary: Accept", "X-Frame-Options: DENY", "X-Content-Type-Options: nosniff",
                      "Referrer-Policy: same-origin", "Cross-Origin-Opener-Policy: same-origin"] {
                #expect(head.contains(h + "\r\n"))
            }
        }
    }

    @Test func headerValuesCannotInjectLines() {
        var r = HTTPResponse.json(.ok, ["a": 1])
        r.addHeader("Location", "/x\r\nSet-Cookie: evil=1")
        let head = String(decoding: r.serialized(), as: UTF8.self)
        #expect(!head.contains("\r\nSet-Cookie"))
    }
}
