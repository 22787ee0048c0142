import AuthKit
import Foundation
import Testing
import TestSupport

/// API.md §1 rules observed through real nginx in front of the real binary.
@Suite struct TransportTests {
    static let stack = Result { try Stack() }
    var http: HTTPClient { get throws { try Self.stack.get().http } }

    static let securityHeaders = [
        ("Vary", "Accept"), ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"), ("Cross-Origin-Opener-Policy", "same-origin"),
    ]

    func expectSecurityHeaders(_ r: HTTPClient.Response, sourceLocation: SourceLocation = #_sourceLocation) {
        for (name, value) in Self.securityHeaders {
            #expect(r.header(name) == value, "\(name) on \(r.status)", sourceLocation: sourceLocation)
        }
        #expect(r.header("Content-Type") == "application/json", sourceLocation: sourceLocation)
    }

    @Test func healthz() throws {
        let r = try http.get("healthz")
        #expect(r.status == 200)
        #expect(r.text.hasPrefix(#"{"status":"ok","database":"ok","connections":{"live":"#), "\(r.text)")
        expectSecurityHeaders(r)
        #expect(r.header("Allow") == "GET, HEAD, OPTIONS")
        let head = try http.send("HEAD", "healthz")
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == String(r.body.count))
    }

    @Test func unsupportedMediaType() throws {
        let r = try http.send("POST", "login/", headers: [("Content-Type", "text/plain")], body: Array("username=alice".utf8))
        #expect(r.status == 415)
        #expect(r.text == #"{"detail":"Unsupported media type \"text/plain\" in request."}"#)
        #expect(r.header("Allow") == "POST, OPTIONS")
        expectSecurityHeaders(r)
        let xml = try http.send("POST", "login/", headers: [("Content-Type", "application/xml")], body: Array("<a/>".utf8))
        #expect(xml.text == #"{"detail":"Unsupported media type \"application/xml\" in request."}"#)
    }

    @Test func malformedJSON() throws {
        let r = try http.post("login/", json: #"{"username": "alice", "#)
        #expect(r.status == 400)
        #expect(r.text == #"{"detail":"JSON parse error - Expecting property name enclosed in double quotes: line 1 column 23 (char 22)"}"#)
        expectSecurityHeaders(r)
        let token = try http.post("login/", json: "{username: alice}")
        #expect(token.text == #"{"detail":"JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"}"#)
        let nan = try http.post("login/verify/", json: #"{"code": NaN}"#)
        #expect(nan.text == #"{"detail":"JSON parse error - Out of range float values are not JSON compliant: 'NaN'"}"#)
        let deep = try http.post("login/", json: String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000))
        #expect(deep.status == 400)
        #expect(deep.text.hasPrefix(#"{"detail":"JSON parse error - maximum recursion depth exceeded"#))
    }

    @Test func nonObjectBodies() throws {
        let cases = [("[]", #"{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}"#),
                     (#""alice""#, #"{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}"#),
                     ("42", #"{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}"#),
                     ("4.2", #"{"non_field_errors":["Invalid data. Expected a dictionary, but got float."]}"#),
                     ("false", #"{"non_field_errors":["Invalid data. Expected a dictionary, but got bool."]}"#),
                     ("null", #"{"non_field_errors":["No data provided"]}"#)]
        for (body, expected) in cases {
            let r = try http.post("login/", json: body)
            #expect(r.status == 400)
            #expect(r.text == expected)
        }
    }

    @Test func emptyBodiesAreEmptyObjects() throws {
        let required = #"{"username":["This field is required."],"password":["This field is required."]}"#
        #expect(try http.send("POST", "login/", headers: [("Content-Type", "application/json")], body: []).text == required)
        #expect(try http.send("POST", "login/").text == required)
        #expect(try http.send("POST", "login/", headers: [("Content-Type", "text/plain")], body: []).text == required)
    }

    @Test func fieldRulesOverTheWire() throws {
        let r = try http.post("login/", json: #"{"username": ["alice"], "password": null}"#)
        #expect(r.text == #"{"username":["Not a valid string."],"password":["This field may not be null."]}"#)
        let form = try http.send("POST", "login/", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                 body: Array("username=+++&password=x".utf8))
        #expect(form.text == #"{"username":["This field may not be blank."]}"#)
        let multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\n\r\n--XyZ--\r\n"
        let m = try http.send("POST", "login/", headers: [("Content-Type", "multipart/form-data; boundary=XyZ")], body: Array(multipart.utf8))
        #expect(m.text == #"{"username":["This field may not be blank."],"password":["This field is required."]}"#)
        let choice = try http.post("login/change-method/", json: #"{"ephemeral_token": "t", "new_method": "sms"}"#)
        #expect(choice.text == #"{"new_method":["\"sms\" is not a valid choice."]}"#)
    }

    @Test func validBodiesReachTheController() throws {
        let r = try http.post("login/verify/", json: #"{"ephemeral_token": "t", "code": "123456"}"#)
        #expect(r.status == 400)
        #expect(r.text == #"{"non_field_errors":["Invalid token"]}"#)
        expectSecurityHeaders(r)
    }

    @Test func methodNotAllowed() throws {
        let get = try http.get("login/")
        #expect(get.status == 405)
        #expect(get.text == #"{"detail":"Method \"GET\" not allowed."}"#)
        #expect(get.header("Allow") == "POST, OPTIONS")
        expectSecurityHeaders(get)
        let put = try http.send("PUT", "login/", headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
        #expect(put.text == #"{"detail":"Method \"PUT\" not allowed."}"#)
        let head = try http.send("HEAD", "login/")
        #expect(head.status == 405)
        #expect(head.header("Content-Length") == "41")
        // Protected routes authenticate first (401), then check the method.
        let stack = try Self.stack.get()
        try stack.createUser("transport")
        let login = try http.post("login/", json: #"{"username": "transport", "password": "S3cret-pass!"}"#)
        guard case .object(let o)? = login.json, case .string(let access)? = o["access"] else { Issue.record("login: \(login)"); return }
        let auth = ("Authorization", "Bearer \(access)")
        let delete = try http.send("DELETE", "mfa/delete/", headers: [("Content-Type", "application/json"), auth], body: Array(#"{"method":"app"}"#.utf8))
        #expect(delete.status == 405)
        #expect(delete.text == #"{"detail":"Method \"DELETE\" not allowed."}"#)
        #expect(delete.header("Allow") == "POST, OPTIONS")
        #expect(try http.send("DELETE", "mfa/", headers: [auth]).header("Allow") == "GET, POST, HEAD, OPTIONS")
        #expect(try http.send("DELETE", "mfa/").status == 401)
    }

    @Test func options() throws {
        let r = try http.send("OPTIONS", "login/")
        #expect(r.status == 200)
        #expect(r.header("Allow") == "POST, OPTIONS")
        guard case .object(let o)? = r.json else { Issue.record("not JSON: \(r.text)"); return }
        #expect(o["name"] == .string("Login First Step"))
        #expect(o["parses"] == ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"])
        #expect(try http.send("OPTIONS", "user/").header("Allow") == "GET, PUT, PATCH, HEAD, OPTIONS")
    }

    @Test func notFoundIsJSONEverywhere() throws {
        for path in ["/api/auth/nope/", "/api/auth/", "/api/auth/login//", "/api/auth/mfa/app/", "/api/authx", "/elsewhere"] {
            let r = try http.get(path)
            #expect(r.status == 404, "\(path)")
            #expect(r.text == #"{"detail":"Not found."}"#, "\(path)")
            #expect(r.header("Content-Type") == "application/json", "\(path)")
        }
    }

    @Test func trailingSlashes() throws {
        let withSlash = try http.post("login/verify/", json: "{}")
        let without = try http.post("login/verify", json: "{}")
        #expect(withSlash.status == 400)
        #expect(without.status == withSlash.status)
        #expect(without.text == withSlash.text)
        let redirect = try http.post("mfa/confirm?x=1", json: #"{"method":"app","code":"1"}"#)
        #expect(redirect.status == 301)
        #expect(redirect.header("Location") == "/api/auth/mfa/confirm/?x=1")
        #expect(redirect.body.isEmpty)
        let list = try http.get("mfa")
        #expect(list.status == 301)
        #expect(list.header("Location") == "/api/auth/mfa/")
    }

    @Test func notAcceptable() throws {
        let r = try http.post("login/", json: "{}", headers: [("Accept", "application/xml")])
        #expect(r.status == 406)
        #expect(r.text == #"{"detail":"Could not satisfy the request Accept header."}"#)
        #expect(try http.post("login/", json: "{}", headers: [("Accept", "text/html")]).header("Content-Type") == "application/json")
    }

    @Test func bodyTooLarge() throws {
        // Over AUTHKIT_MAX_BODY_SIZE: the application answers 413 without keeping the body.
        let big = #"{"username":""# + String(repeating: "a", count: 70_000) + #"","password":"x"}"#
        let r = try http.post("login/", json: big)
        #expect(r.status == 413)
        #expect(r.text == #"{"detail":"Request body is too large."}"#)
        expectSecurityHeaders(r)
        // Over nginx's own limit: still JSON, from the snippet.
        let huge = try http.send("POST", "login/", headers: [("Content-Type", "application/json")], body: [UInt8](repeating: 0x20, count: 2 << 20))
        #expect(huge.status == 413)
        #expect(huge.text == #"{"detail":"Request body is too large."}"#)
        #expect(huge.header("Content-Type") == "application/json")
        // Just under the limit is processed normally.
        let fits = #"{"username":""# + String(repeating: "a", count: 60_000) + #"","password":"x"}"#
        let processed = try http.post("login/", json: fits)
        #expect(processed.status == 400)
        #expect(processed.text == #"{"non_field_errors":["Unable to log in with provided credentials."]}"#)
    }

    @Test func requestIDTagsTheAppLog() throws {
        let stack = try Self.stack.get()
        let r = try http.get("healthz")
        let id = try #require(r.header("X-Request-ID"))
        #expect(id.count == 32)
        #expect(Paths.waitFor(seconds: 5) { stack.app.log().contains("request_id=\(id)") })
        let line = stack.app.log().split(separator: "\n").first { $0.contains("request_id=\(id)") } ?? ""
        #expect(line.contains("method=GET"))
        #expect(line.contains("route=healthz/"))
        #expect(line.contains("status=200"))
        #expect(line.contains("duration_ms="))
    }
}
