import AuthKit
import Foundation
import Testing
import TestSupport

/// CSRF defence of cookie-authenticated changes and CORS for listed origins, through nginx
/// (issue 16; docs/security.md, "Browsers").
@Suite struct CrossOriginTests {
    static let listed = "https://app.example.com"
    static let trusted = "https://admin.example.com"
    static let stack = Result {
        try Stack(settings: ["AUTHKIT_CORS_ALLOWED_ORIGINS": listed, "AUTHKIT_CSRF_TRUSTED_ORIGINS": trusted])
    }

    /// The browser's cookies after logging in.
    static func cookies(_ s: Stack, _ username: String) throws -> String {
        try s.createUser(username)
        let login = try s.login(username)
        let access = try #require(login.cookie("auth-jwt"))
        let refresh = try #require(login.cookie("auth-refresh-jwt"))
        return "auth-jwt=\(access); auth-refresh-jwt=\(refresh)"
    }

    func post(_ s: Stack, _ path: String, _ json: String, _ headers: [(String, String)]) throws -> HTTPClient.Response {
        try s.http.post(path, json: json, headers: headers)
    }

    @Test func cookieAuthenticatedChangesNeedATrustedOrigin() throws {
        let s = try Self.stack.get()
        let jar = try Self.cookies(s, "csrf_victim")
        let cookie = ("Cookie", jar)
        let evil = "https://evil.example"
        let refused = try post(s, "mfa/", #"{"method": "app"}"#, [cookie, ("Origin", evil)])
        #expect(refused.status == 403)
        #expect(refused.text == #"{"detail":"CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins."}"#)
        #expect(try post(s, "mfa/", #"{"method": "app"}"#, [cookie, ("Referer", evil + "/page")]).text
                == #"{"detail":"CSRF Failed: Referer checking failed - https://evil.example/page does not match any trusted origins."}"#)
        #expect(try post(s, "mfa/", #"{"method": "app"}"#, [cookie, ("Sec-Fetch-Site", "cross-site")]).text
                == #"{"detail":"CSRF Failed: Cross-site request refused."}"#)
        #expect(try post(s, "mfa/", #"{"method": "app"}"#, [cookie, ("Origin", "null")]).status == 403, "sandboxed pages")
        // Nothing was created by the refused requests.
        #expect(try s.http.get("mfa/", headers: [cookie]).text.contains(#""is_setup":true"#) == false)
        #expect(try post(s, "logout/", "{}", [cookie, ("Origin", evil)]).status == 403)
        #expect(try post(s, "token/refresh/", "{}", [("Cookie", jar), ("Origin", evil)]).status == 403)

        // The service's own origin, a trusted one and a CORS-listed one are fine; so is a
        // client without any of these headers (not a browser), and a bearer token from anywhere.
        let own = "http://127.0.0.1:\(s.nginx.port)"
        #expect(try post(s, "mfa/", #"{"method": "app"}"#, [cookie, ("Origin", own), ("Sec-Fetch-Site", "same-origin")]).status == 201)
        #expect(try post(s, "mfa/", #"{"method": "email"}"#, [cookie, ("Origin", Self.trusted)]).status == 201)
        #expect(try post(s, "mfa/delete/", #"{"method": "email"}"#, [cookie, ("Origin", Self.listed)]).status == 204)
        #expect(try post(s, "mfa/delete/", #"{"method": "app"}"#, [cookie]).status == 204)
        let bearer = try #require(try s.login("csrf_victim").string("access"))
        #expect(try post(s, "mfa/", #"{"method": "app"}"#, [("Authorization", "Bearer \(bearer)"), ("Origin", evil)]).status == 201)
        // Reads are never refused.
        #expect(try s.http.get("mfa/", headers: [cookie, ("Origin", evil)]).status == 200)
        #expect(try s.app.log().contains("cross-site request refused"))
    }

    @Test func corsForListedOriginsOnly() throws {
        let s = try Self.stack.get()
        let preflight = try s.http.send("OPTIONS", "mfa/", headers: [
            ("Origin", Self.listed), ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ])
        #expect(preflight.status == 200 && preflight.body.isEmpty)
        #expect(preflight.header("Access-Control-Allow-Origin") == Self.listed)
        #expect(preflight.header("Access-Control-Allow-Credentials") == "true")
        #expect(preflight.header("Access-Control-Allow-Methods") == "GET, POST, HEAD, OPTIONS")
        #expect(preflight.header("Access-Control-Allow-Headers")?.contains("content-type") == true)
        #expect(preflight.header("Access-Control-Max-Age") == "86400")
        #expect(preflight.header("Vary") == "Accept, Origin")

        // An actual request, and an error: both readable by the listed page.
        let login = try s.http.post("login/", json: #"{"username": "nobody", "password": "x"}"#,
                                    headers: [("Origin", Self.listed)])
        #expect(login.status == 400 && login.header("Access-Control-Allow-Origin") == Self.listed)
        #expect(login.header("Access-Control-Expose-Headers")?.contains("X-Request-ID") == true)
        let missing = try s.http.get("nothing/here/", headers: [("Origin", Self.listed)])
        #expect(missing.status == 404 && missing.header("Access-Control-Allow-Origin") == Self.listed)

        // Anyone else: no CORS headers at all; their preflight is an ordinary OPTIONS answer.
        for origin in ["https://evil.example", Self.trusted, "https://app.example.com.evil.example", "null"] {
            let other = try s.http.send("OPTIONS", "mfa/", headers: [("Origin", origin), ("Access-Control-Request-Method", "POST")])
            #expect(other.header("Access-Control-Allow-Origin") == nil, "\(origin)")
            #expect(other.header("Vary") == "Accept, Origin")
            let get = try s.http.get("healthz/", headers: [("Origin", origin)])
            #expect(get.header("Access-Control-Allow-Origin") == nil && get.header("Access-Control-Allow-Credentials") == nil)
        }
    }

    /// Without CORS settings nothing changes: no Vary: Origin, no CORS headers. SameSite=None
    /// without Secure is warned about at start-up (browsers drop such cookies).
    @Test func offByDefault() throws {
        let s = try Stack(settings: ["AUTHKIT_AUTH_COOKIE_SAMESITE": "None"])
        defer { s.stop() }
        #expect(s.app.log().contains("AUTHKIT_AUTH_COOKIE_SAMESITE=None without AUTHKIT_AUTH_COOKIE_SECURE=true"))
        let answer = try s.http.get("healthz/", headers: [("Origin", Self.listed)])
        #expect(answer.header("Vary") == "Accept" && answer.header("Access-Control-Allow-Origin") == nil)
    }
}
