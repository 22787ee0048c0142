import AuthKit
import Foundation
import Testing
import TestSupport

/// Answers nginx gives by itself (nginx/authkit.conf, nginx/nginx.conf): small JSON bodies with
/// the application's security headers, never nginx's HTML pages. Raw bytes, so every request is
/// exactly as broken as meant.
@Suite struct NginxErrorTests {
    static let stack = Result { try Stack() }
    var http: HTTPClient { get throws { try Self.stack.get().http } }

    static let securityHeaders = [
        ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"), ("Cache-Control", "no-store"),
    ]

    /// Status, JSON body `{"detail": detail}`, media type and security headers.
    func expectJSON(_ r: HTTPClient.Response, _ status: Int, _ detail: String, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "\(what): \(r)", sourceLocation: sourceLocation)
        #expect(r.header("Content-Type") == "application/json", "\(what)", sourceLocation: sourceLocation)
        let escaped = detail.replacingOccurrences(of: "\"", with: "\\\"")
        #expect(r.text == #"{"detail":""# + escaped + #""}"#, "\(what)", sourceLocation: sourceLocation)
        #expect(r.json != nil, "\(what): not JSON", sourceLocation: sourceLocation)
        for (name, value) in Self.securityHeaders {
            #expect(r.header(name) == value, "\(name) on \(what)", sourceLocation: sourceLocation)
        }
        #expect(r.header("X-Request-ID")?.count == 32, "X-Request-ID on \(what)", sourceLocation: sourceLocation)
    }

    func raw(_ text: String, body: [UInt8] = []) throws -> HTTPClient.Response {
        let method = String(text.prefix { $0 != " " })
        return try http.raw(Array(text.utf8) + body, method: method)
    }

    static let host = "Host: 127.0.0.1\r\nConnection: close\r\n"

    @Test func badRequestsBeforeAnyLocation() throws {
        let h = Self.host
        let cases: [(String, String)] = [
            ("NUL byte in the path", "GET /api/auth/a\0b HTTP/1.1\r\n\(h)\r\n"),
            ("%00 in the path", "GET /api/auth/a%00b HTTP/1.1\r\n\(h)\r\n"),
            ("NUL byte in a header", "GET /api/auth/healthz HTTP/1.1\r\n\(h)X-Note: a\0b\r\n\r\n"),
            ("bad %-encoding", "GET /api/auth/%zz/ HTTP/1.1\r\n\(h)\r\n"),
            ("bad Content-Length", "POST /api/auth/login/ HTTP/1.1\r\n\(h)Content-Length: abc\r\n\r\n"),
            ("duplicate Content-Length",
             "POST /api/auth/login/ HTTP/1.1\r\n\(h)Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"),
            ("chunked and Content-Length",
             "POST /api/auth/login/ HTTP/1.1\r\n\(h)Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "2\r\n{}\r\n0\r\n\r\n"),
            ("no Host on HTTP/1.1", "GET /api/auth/healthz HTTP/1.1\r\nConnection: close\r\n\r\n"),
            ("bad request line", "GET\r\n\r\n"),
            ("bad method", "G@T /api/auth/healthz HTTP/1.1\r\n\(h)\r\n"),
        ]
        for (what, request) in cases {
            expectJSON(try raw(request), 400, "Bad request.", what)
        }
    }

    /// nginx's internal 494 goes out as 400, the status nginx itself sends (494 is not HTTP).
    @Test func headersTooLarge() throws {
        let one = "GET /api/auth/healthz HTTP/1.1\r\n\(Self.host)X-Big: \(String(repeating: "a", count: 9000))\r\n\r\n"
        expectJSON(try raw(one), 400, "Request headers are too large.", "one header over 8k")
        let many = (0..<10).map { "X-H\($0): \(String(repeating: "b", count: 4000))\r\n" }.joined()
        expectJSON(try raw("GET /api/auth/healthz HTTP/1.1\r\n\(Self.host)\(many)\r\n"), 400,
                   "Request headers are too large.", "headers over 4 x 8k")
    }

    @Test func uriTooLong() throws {
        let r = try raw("GET /api/auth/\(String(repeating: "a", count: 9000))/ HTTP/1.1\r\n\(Self.host)\r\n")
        expectJSON(r, 414, "Request URI is too long.", "9k URI")
    }

    @Test func transferEncodingOtherThanChunked() throws {
        let r = try raw("POST /api/auth/login/ HTTP/1.1\r\n\(Self.host)Transfer-Encoding: gzip\r\n\r\n")
        expectJSON(r, 501, "Not implemented.", "Transfer-Encoding: gzip")
    }

    @Test func httpVersionNotSupported() throws {
        let r = try raw("GET /api/auth/healthz HTTP/3.0\r\n\(Self.host)\r\n")
        expectJSON(r, 505, "HTTP version not supported.", "HTTP/3.0")
    }

    /// Over nginx's client_max_body_size (1 MiB) in every location, not only /api/auth.
    @Test func bodyTooLargeEverywhere() throws {
        let huge = [UInt8](repeating: 0x20, count: 2 << 20)
        for path in ["/api/auth/login/", "/api/schema/", "/metrics", "/elsewhere"] {
            let r = try http.send("POST", path, headers: [("Content-Type", "application/json")], body: huge)
            expectJSON(r, 413, "Request body is too large.", "POST \(path)")
        }
    }

    /// A chunked body nginx cannot parse: while passing it to the application, and while
    /// discarding it behind a 404.
    @Test func brokenChunkedBody() throws {
        for path in ["/api/auth/login/", "/elsewhere"] {
            let r = try raw("POST \(path) HTTP/1.1\r\n\(Self.host)Content-Type: application/json\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
            expectJSON(r, 400, "Bad request.", "broken chunk to \(path)")
        }
    }

    @Test func notFound() throws {
        // (`/` itself is the web app's index.html: BrowserTests.)
        for path in ["/elsewhere", "/nothing.html", "/.authkit/400", "/.authkit/503", "/api/schemas/"] {
            expectJSON(try http.get(path), 404, "Not found.", "GET \(path)")
        }
        // /metrics is for loopback's 127.0.0.1 only: another client sees the same 404.
        expectJSON(try http.from("127.0.0.5").get("/metrics"), 404, "Not found.", "/metrics from 127.0.0.5")
        let head = try http.send("HEAD", "/elsewhere")
        #expect(head.status == 404)
        #expect(head.header("Content-Type") == "application/json")
        #expect(head.header("X-Frame-Options") == "DENY")
    }

    /// The web app's static files take GET and HEAD: other methods get the JSON 405 with
    /// `Allow`, never nginx's HTML page; a missing file stays the JSON 404.
    @Test func staticFilesRefuseOtherMethodsInJSON() throws {
        for (method, path) in [("POST", "/index.html"), ("PUT", "/js/api.js"), ("DELETE", "/"), ("PATCH", "/css/app.css")] {
            let r = try http.send(method, path, headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
            expectJSON(r, 405, #"Method "\#(method)" not allowed."#, "\(method) \(path)")
            #expect(r.header("Allow") == "GET, HEAD", "\(method) \(path)")
        }
        expectJSON(try http.send("POST", "/nothing.html", body: []), 404, "Not found.", "POST /nothing.html")
    }

    @Test func traceIsRefusedWithTheRoutesAllow() throws {
        for (path, allow) in [("/api/auth/login/", "POST, OPTIONS"), ("/api/auth/healthz/", "GET, HEAD, OPTIONS"),
                              ("/api/schema/", "GET, HEAD"), ("/metrics", "GET, HEAD")] {
            let r = try http.send("TRACE", path)
            expectJSON(r, 405, #"Method "TRACE" not allowed."#, "TRACE \(path)")
            #expect(r.header("Allow") == allow, "\(path)")
        }
        // A file-like path is JSON too, not its extension's type.
        expectJSON(try http.send("TRACE", "/index.html"), 405, #"Method "TRACE" not allowed."#, "TRACE /index.html")
    }

    /// The application's own answers pass unchanged (nginx intercepts nothing it sends).
    @Test func applicationAnswersAreNotReplaced() throws {
        let r = try http.get("/api/schema/?format=xml")
        #expect(r.status == 404)
        #expect(r.header("Vary") == "Accept", "the application's own 404")
        #expect(try http.get("healthz").status == 200)
    }

    /// With the application stopped, nginx's 502 is the application's JSON 503, on every
    /// location that passes to it.
    @Test func applicationDown() throws {
        let s = try Stack()
        defer { s.nginx.stop() }
        #expect(try s.http.get("/api/schema/").status == 200)
        #expect(s.app.terminate() != nil, "the app did not stop")
        let detail = "Service temporarily unavailable, try again later."
        for path in ["/api/schema/", "/metrics", "/api/auth/healthz", "/api/auth/nope/"] {
            let r = try s.http.get(path)
            expectJSON(r, 503, detail, "GET \(path) while the app is down")
            #expect(r.header("Retry-After") == "5", "\(path)")
        }
        let post = try s.http.post("login/", json: #"{"username": "a", "password": "b"}"#)
        expectJSON(post, 503, detail, "POST login/ while the app is down")
        let head = try s.http.send("HEAD", "/api/schema/")
        #expect(head.status == 503)
        #expect(head.header("Content-Type") == "application/json")
    }
}
