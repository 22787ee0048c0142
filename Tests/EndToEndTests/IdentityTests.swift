import AuthKit
import Foundation
import Testing
import TestSupport

/// API.md §2, §3.1–§3.3, §5 (login without MFA) and §7 through nginx, with users made by
/// `authkit user create`.
@Suite struct IdentityTests {
    static let stack = Result { try Stack() }
    var stack: Stack { get throws { try Self.stack.get() } }
    var http: HTTPClient { get throws { try stack.http } }
    let jwt = JWT(secretKey: TestKeys.secretKey)
    var now: Int64 { Int64(Date().timeIntervalSince1970) }

    func login(_ username: String, _ password: String = "S3cret-pass!") throws -> HTTPClient.Response {
        try http.post("login/", json: #"{"username": "\#(username)", "password": "\#(password)"}"#)
    }

    func field(_ r: HTTPClient.Response, _ name: String) -> String? {
        guard case .object(let o)? = r.json, case .string(let s)? = o[name] else { return nil }
        return s
    }

    func cookie(_ r: HTTPClient.Response, _ name: String) -> String? {
        r.headers(named: "Set-Cookie").first { $0.hasPrefix(name + "=") }
            .map { String($0.dropFirst(name.count + 1).prefix { $0 != ";" }) }
    }

    // MARK: login/ (§5, user without MFA)

    @Test func loginWithoutMFA() throws {
        let id = try stack.createUser("lena")
        let before = now
        let r = try login("lena")
        #expect(r.status == 200)
        guard case .object(let body)? = r.json else { Issue.record("no JSON"); return }
        #expect(body.entries.map(\.key) == ["access", "refresh", "access_expiration", "refresh_expiration", "user", "mfa_enabled"])
        #expect(body["refresh"] == "")
        #expect(body["mfa_enabled"] == false)
        #expect(body["user"] == .object(["pk": .number(JSONNumber(literal: String(id))), "username": "lena",
                                         "email": "lena@example.com", "first_name": "", "last_name": ""]))
        let access = try #require(field(r, "access"))
        let claims = try jwt.verify(access, expected: .access, now: now)
        #expect(claims.userID == String(id))
        #expect(claims.exp - claims.iat == 300)
        #expect(claims.iat >= before)
        let refresh = try #require(cookie(r, "auth-refresh-jwt"))
        #expect(try jwt.verify(refresh, expected: .refresh, now: now).exp - claims.iat == 86400)
        #expect(cookie(r, "auth-jwt") == access)
        let expiration = try #require(field(r, "access_expiration"))
        #expect(expiration.hasSuffix("Z") && expiration.count == 27)
        #expect(try stack.psql("SELECT last_login IS NOT NULL FROM users WHERE id = \(id)") == "t")
        #expect(r.header("Allow") == "POST, OPTIONS")
    }

    @Test func cookiesByteForByte() throws {
        try stack.createUser("carla")
        let r = try login("carla")
        let cookies = r.headers(named: "Set-Cookie")
        // drf-auth-kit's two cookies, byte for byte, then the device cookie (docs/compatibility.md).
        #expect(cookies.count == 3)
        #expect(cookies[2].hasPrefix("authkit-device=v1.Y2FybGE."))
        #expect(cookies[2].hasSuffix("; HttpOnly; Max-Age=31536000; Path=/api/auth/; SameSite=Lax"))
        let access = try #require(field(r, "access"))
        let claims = try jwt.verify(access, expected: .access, now: now)
        let expires = httpDate(claims.exp)
        #expect(cookies[0] == "auth-jwt=\(access); expires=\(expires); HttpOnly; Max-Age=300; Path=/; SameSite=Lax")
        let refresh = try #require(cookie(r, "auth-refresh-jwt"))
        let refreshExp = try jwt.verify(refresh, expected: .refresh, now: now).exp
        #expect(cookies[1] == "auth-refresh-jwt=\(refresh); expires=\(httpDate(refreshExp)); HttpOnly; Max-Age=86400; Path=/; SameSite=Lax")
    }

    func httpDate(_ seconds: Int64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    @Test func loginFailures() throws {
        try stack.createUser("mira")
        let unable = #"{"non_field_errors":["Unable to log in with provided credentials."]}"#
        #expect(try login("mira", "nope").text == unable)
        #expect(try login("nobody-here").text == unable)
        #expect(try login("MIRA").text == unable)
        #expect(try http.post("login/", json: #"{"username": "mira", "password": 12345}"#).text == unable)
        #expect(try http.post("login/", json: #"{"email": "mira@example.com", "password": "S3cret-pass!"}"#).text
                == #"{"username":["This field is required."]}"#)
        #expect(try http.post("login/", json: #"{"username": "", "password": ""}"#).text
                == #"{"username":["This field may not be blank."],"password":["This field may not be blank."]}"#)
        try stack.createUser("ina")
        try stack.cli(["user", "deactivate", "ina"])
        #expect(try login("ina").text == unable)
        #expect(try login("ina").status == 400)
        // A password with surrounding spaces is trimmed before checking, as DRF does.
        #expect(try login("  mira  ", "  S3cret-pass!  ").status == 200)
    }

    @Test func formAndMultipartLogins() throws {
        try stack.createUser("fiona")
        let form = try http.send("POST", "login/", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                 body: Array("username=fiona&password=S3cret-pass%21".utf8))
        #expect(form.status == 200)
        let multipart = "--B\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nfiona\r\n--B\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nS3cret-pass!\r\n--B--\r\n"
        let m = try http.send("POST", "login", headers: [("Content-Type", "multipart/form-data; boundary=B")], body: Array(multipart.utf8))
        #expect(m.status == 200)
    }

    // MARK: §2 authentication table

    @Test func everyRowOfTheAuthenticationTable() throws {
        let id = try stack.createUser("tom")
        let access = try #require(field(try login("tom"), "access"))
        let realm = "Bearer realm=\"api\""
        func get(_ headers: [(String, String)]) throws -> HTTPClient.Response { try http.get("user/", headers: headers) }
        func invalid(_ message: String) -> String {
            #"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"\#(message)"}]}"#
        }
        let noCredentials = #"{"detail":"Authentication credentials were not provided."}"#
        let badHeader = #"{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}"#

        #expect(try get([]).text == noCredentials)
        #expect(try get([("Authorization", "Token \(access)")]).text == noCredentials)
        #expect(try get([("Authorization", "Token \(access)"), ("Cookie", "auth-jwt=\(access)")]).text == noCredentials)
        #expect(try get([("Authorization", "Bearer")]).text == badHeader)
        #expect(try get([("Authorization", "Bearer a b")]).text == badHeader)
        #expect(try get([("Authorization", "Bearer garbage")]).text == invalid("Token is invalid"))
        #expect(try get([("Cookie", "auth-jwt=garbage")]).text == invalid("Token is invalid"))
        #expect(try get([("Authorization", "Bearer garbage"), ("Cookie", "auth-jwt=\(access)")]).text == invalid("Token is invalid"))
        let expired = jwt.sign(.init(tokenType: .access, exp: now - 10, iat: now - 310, jti: "00000000000000000000000000000000", userID: String(id)))
        #expect(try get([("Authorization", "Bearer \(expired)")]).text == invalid("Token is expired"))
        let refresh = jwt.sign(.init(tokenType: .refresh, exp: now + 1000, iat: now, jti: "11111111111111111111111111111111", userID: String(id)))
        #expect(try get([("Authorization", "Bearer \(refresh)")]).text == invalid("Token has wrong type"))
        let ghost = jwt.sign(.init(tokenType: .access, exp: now + 300, iat: now, jti: "22222222222222222222222222222222", userID: "999999"))
        #expect(try get([("Authorization", "Bearer \(ghost)")]).text == #"{"detail":"User not found","code":"user_not_found"}"#)
        let ephemeral = "\(id)-app-tp27e7-8f11e002f55b8f4d934bc55ab0618c46ac5328b6"
        #expect(try get([("Authorization", "Bearer \(ephemeral)")]).text == invalid("Token is invalid"))

        // Every one of those 401s carries WWW-Authenticate and Allow.
        let sample = try get([("Authorization", "Bearer garbage")])
        #expect(sample.status == 401)
        #expect(sample.header("WWW-Authenticate") == realm)
        #expect(sample.header("Allow") == "GET, PUT, PATCH, HEAD, OPTIONS")

        // Valid: header, cookie, or good header with a bad cookie.
        #expect(try get([("Authorization", "Bearer \(access)")]).status == 200)
        #expect(try get([("Authorization", "Bearer  \(access)")]).status == 200)
        #expect(try get([("Cookie", "other=1; auth-jwt=\(access)")]).status == 200)
        #expect(try get([("Authorization", "Bearer \(access)"), ("Cookie", "auth-jwt=garbage")]).status == 200)

        // Tokens are dated to the second: the deactivation must come a second after the token.
        Thread.sleep(forTimeInterval: 1.1)
        try stack.cli(["user", "deactivate", "tom"])
        #expect(try get([("Authorization", "Bearer \(access)")]).text == #"{"detail":"User is inactive","code":"user_inactive"}"#)
        try stack.cli(["user", "activate", "tom"])
        // Reactivating never revives the sessions the deactivation ended (docs/compatibility.md).
        #expect(try get([("Authorization", "Bearer \(access)")]).status == 401)
        #expect(try login("tom").status == 200)
    }

    @Test func authenticationComesBeforeMethodAndBody() throws {
        let put = try http.send("PUT", "mfa/", headers: [("Content-Type", "application/json")], body: Array("{".utf8))
        #expect(put.status == 401)
        #expect(put.header("Allow") == "GET, POST, HEAD, OPTIONS")
        #expect(try http.send("OPTIONS", "user/").status == 401)
        #expect(try http.post("logout/", json: "{").status == 401)
    }

    // MARK: §7 token/refresh/, token/verify/

    @Test func tokenRefresh() throws {
        try stack.createUser("rita")
        let r = try login("rita")
        let refresh = try #require(cookie(r, "auth-refresh-jwt"))
        let fromBody = try http.post("token/refresh/", json: #"{"refresh": "\#(refresh)"}"#)
        #expect(fromBody.status == 200)
        guard case .object(let body)? = fromBody.json else { Issue.record("no JSON"); return }
        #expect(body.entries.map(\.key) == ["access", "access_expiration"])
        let newAccess = try #require(field(fromBody, "access"))
        #expect(try jwt.verify(newAccess, expected: .access, now: now).userID != nil)
        #expect(fromBody.headers(named: "Set-Cookie").count == 1)
        #expect(cookie(fromBody, "auth-jwt") == newAccess)
        #expect(try http.post("token/refresh", json: "{}", headers: [("Cookie", "auth-refresh-jwt=\(refresh)")]).status == 200)
        #expect(try http.post("token/refresh/", json: #"{"refresh": ""}"#, headers: [("Cookie", "auth-refresh-jwt=\(refresh)")]).status == 200)
        let invalid = #"{"detail":"Token is invalid","code":"token_not_valid"}"#
        let garbageBody = try http.post("token/refresh/", json: #"{"refresh": "garbage"}"#, headers: [("Cookie", "auth-refresh-jwt=\(refresh)")])
        #expect(garbageBody.text == invalid)
        #expect(garbageBody.header("WWW-Authenticate") == "Bearer realm=\"api\"")
        #expect(try http.post("token/refresh/", json: "{}").text == #"{"detail":"No valid refresh token found.","code":"token_not_valid"}"#)
        #expect(try http.post("token/refresh/", json: #"{"refresh": 123}"#).text == invalid)
        #expect(try http.post("token/refresh/", json: #"{"refresh": "  "}"#).text == invalid)
        #expect(try http.post("token/refresh/", json: #"{"refresh": null}"#).text == #"{"refresh":["This field may not be null."]}"#)
        let access = try #require(field(r, "access"))
        #expect(try http.post("token/refresh/", json: #"{"refresh": "\#(access)"}"#).text == #"{"detail":"Token has wrong type","code":"token_not_valid"}"#)
        let expired = jwt.sign(.init(tokenType: .refresh, exp: now - 5, iat: now - 86405, jti: "33333333333333333333333333333333", userID: "1"))
        #expect(try http.post("token/refresh/", json: #"{"refresh": "\#(expired)"}"#).text == #"{"detail":"Token is expired","code":"token_not_valid"}"#)
    }

    @Test func tokenVerify() throws {
        try stack.createUser("vera")
        let r = try login("vera")
        let access = try #require(field(r, "access"))
        let refresh = try #require(cookie(r, "auth-refresh-jwt"))
        #expect(try http.post("token/verify/", json: #"{"token": "\#(access)"}"#).text == "{}")
        #expect(try http.post("token/verify", json: #"{"token": "\#(refresh)"}"#).text == "{}")
        let garbage = try http.post("token/verify/", json: #"{"token": "garbage"}"#)
        #expect(garbage.status == 401)
        #expect(garbage.text == #"{"detail":"Token is invalid","code":"token_not_valid"}"#)
        #expect(try http.post("token/verify/", json: "{}").text == #"{"token":["This field is required."]}"#)
    }

    // MARK: §7 logout/ (plus revocation)

    @Test func logoutDeletesCookiesAndRevokesTheRefreshToken() throws {
        try stack.createUser("lou")
        let r = try login("lou")
        let access = try #require(field(r, "access"))
        let refresh = try #require(cookie(r, "auth-refresh-jwt"))
        let out = try http.post("logout/", json: "{}", headers: [("Cookie", "auth-jwt=\(access); auth-refresh-jwt=\(refresh)")])
        #expect(out.status == 200)
        #expect(out.text == #"{"detail":"Successfully logged out."}"#)
        #expect(out.headers(named: "Set-Cookie") == [
            "auth-jwt=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax",
            "auth-refresh-jwt=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax",
        ])
        // Unlike the reference, the refresh token is dead now.
        let after = try http.post("token/refresh/", json: #"{"refresh": "\#(refresh)"}"#)
        #expect(after.status == 401)
        #expect(after.text == #"{"detail":"Token is invalid","code":"token_not_valid"}"#)
        #expect(try http.post("token/verify/", json: #"{"token": "\#(refresh)"}"#).status == 401)
        // Access tokens are stateless: valid until they expire.
        #expect(try http.get("user/", headers: [("Authorization", "Bearer \(access)")]).status == 200)
        #expect(try stack.psql("SELECT count(*) FROM revoked_tokens r JOIN users u ON u.id = r.user_id WHERE u.username = 'lou'") == "1")
    }

    @Test func logoutWithBearerAndABodyToken() throws {
        try stack.createUser("ben")
        let r = try login("ben")
        let access = try #require(field(r, "access"))
        let refresh = try #require(cookie(r, "auth-refresh-jwt"))
        let out = try http.post("logout/", json: #"{"refresh": "\#(refresh)"}"#, headers: [("Authorization", "Bearer \(access)")])
        #expect(out.status == 200)
        #expect(try http.post("token/refresh/", json: #"{"refresh": "\#(refresh)"}"#).status == 401)
        // The body is otherwise ignored: malformed or foreign bodies still log out.
        #expect(try http.post("logout/", json: "{x", headers: [("Authorization", "Bearer \(access)")]).status == 200)
        #expect(try http.send("POST", "logout/", headers: [("Authorization", "Bearer \(access)"), ("Content-Type", "text/plain")],
                              body: Array("x".utf8)).status == 200)
        #expect(try http.get("logout/", headers: [("Authorization", "Bearer \(access)")]).status == 405)
        #expect(try http.post("logout/", json: "{}").status == 401)
    }

    // MARK: §7 user/

    @Test func userDetailAndUpdates() throws {
        let id = try stack.createUser("ursula")
        try stack.createUser("otto")
        let access = try #require(field(try login("ursula"), "access"))
        let auth = [("Authorization", "Bearer \(access)")]
        #expect(try http.get("user/", headers: auth).text == #"{"pk":\#(id),"username":"ursula","email":"ursula@example.com","first_name":"","last_name":""}"#)
        func patch(_ json: String) throws -> HTTPClient.Response {
            try http.send("PATCH", "user/", headers: auth + [("Content-Type", "application/json")], body: Array(json.utf8))
        }
        #expect(try patch(#"{"first_name": " Ursula "}"#).text.contains(#""first_name":"Ursula""#))
        #expect(try patch(#"{"email": "other@example.com", "pk": 9}"#).text == #"{"pk":\#(id),"username":"ursula","email":"ursula@example.com","first_name":"Ursula","last_name":""}"#)
        #expect(try patch(#"{"username": "otto"}"#).text == #"{"username":["A user with that username already exists."]}"#)
        #expect(try patch(#"{"username": "OTTO"}"#).text == #"{"username":["A user with that username already exists."]}"#)
        #expect(try patch(#"{"username": "URSULA"}"#).text == #"{"username":["A user with that username already exists."]}"#)
        #expect(try patch(#"{"username": "ursula"}"#).status == 200)
        #expect(try patch(#"{"first_name": ""}"#).text.contains(#""first_name":"""#))
        let put = try http.send("PUT", "user/", headers: auth + [("Content-Type", "application/json")], body: Array(#"{"last_name": "Q"}"#.utf8))
        #expect(put.text == #"{"username":["This field is required."]}"#)
        let rename = try http.send("PUT", "user/", headers: auth + [("Content-Type", "application/json")],
                                   body: Array(#"{"username": "ursula2", "last_name": "Q"}"#.utf8))
        #expect(rename.text == #"{"pk":\#(id),"username":"ursula2","email":"ursula@example.com","first_name":"","last_name":"Q"}"#)
        #expect(try login("ursula2").status == 200)
        #expect(try http.get("user/").status == 401)
    }

    // MARK: passwords

    @Test func djangoHashLogsInAndIsUpgraded() throws {
        let id = try stack.createUser("django")
        // Made by Django's make_password("S3cret-pass!") with 1,000,000 iterations.
        let djangoHash = "pbkdf2_sha256$1000000$fCDdqcTWC5H0BK6z8AyCpd$A6lBjLlFnwQgT3TL2NkSzHJZPcR4LlcOky3ZQ+GXA3w="
        _ = try stack.psql("UPDATE users SET password = '\(djangoHash)' WHERE id = \(id)")
        #expect(try login("django").status == 200)
        // The instance is configured with 1000 iterations: the hash was upgraded at login.
        let stored = try stack.psql("SELECT password FROM users WHERE id = \(id)")
        #expect(stored.hasPrefix("pbkdf2_sha256$1000$"))
        #expect(try login("django").status == 200)
        #expect(try login("django", "wrong").status == 400)
    }

    @Test func djangoArgon2AndBCryptHashesLogInAndAreUpgraded() throws {
        // Made by Django 5.2's make_password("S3cret-pass!") with its Argon2PasswordHasher and
        // BCryptSHA256PasswordHasher as shipped (m=102400,t=2,p=8; cost 12).
        let hashes = [
            ("argon2-user", "argon2$argon2id$v=19$m=102400,t=2,p=8$bFZvcnJZQ0Q5TmgzREwzRG42dGQwVw$"
                + "unwRdCtE3UQtCbJvFp9/qJ24PvlKXv4PIlD1VS4fpbI"),
            ("bcrypt-user", "bcrypt_sha256$$2b$12$/utBqlPzTi03cfA3zlBYB.rjNrUz6HvzqiBXw1/fjn9dwDZJp3Yz6"),
        ]
        for (name, hash) in hashes {
            let id = try stack.createUser(name)
            _ = try stack.psql("UPDATE users SET password = '\(hash)' WHERE id = \(id)")
            #expect(try login(name).status == 200)
            #expect(try stack.psql("SELECT password FROM users WHERE id = \(id)").hasPrefix("pbkdf2_sha256$1000$"))
            #expect(try login(name).status == 200)
            #expect(try login(name, "wrong").status == 400)
        }
    }

    @Test func cliErrors() throws {
        try stack.createUser("dupe")
        let again = try stack.cli(["user", "create", "--username", "dupe", "--password", "x"], allowFailure: true)
        #expect(again.status == 1)
        #expect(again.output.contains("already exists"))
        let bad = try stack.cli(["user", "create", "--username", "a b", "--password", "x"], allowFailure: true)
        #expect(bad.status == 1)
        #expect(bad.output.contains("Enter a valid username"))
        #expect(try stack.cli(["user", "set-password", "nobody-at-all", "--password", "x"], allowFailure: true).status == 1)
        try stack.cli(["user", "set-password", "dupe", "--password-stdin"], stdin: "n3w-pass\n")
        #expect(try login("dupe", "n3w-pass").status == 200)
        #expect(try stack.cli(["user", "list"]).output.contains("\tdupe\tdupe@example.com\tactive"))
    }
}

/// Settings variants that need their own instance.
@Suite struct IdentityVariantTests {
    let jwt = JWT(secretKey: TestKeys.secretKey)

    @Test func withoutCookiesTheRefreshTokenIsInTheBody() throws {
        let stack = try Stack(settings: ["AUTHKIT_USE_AUTH_COOKIE": "false"])
        defer { stack.stop() }
        try stack.createUser("nocookie")
        let r = try stack.http.post("login/", json: #"{"username":"nocookie","password":"S3cret-pass!"}"#)
        #expect(r.headers(named: "Set-Cookie").map { $0.prefix(15) } == ["authkit-device="], "only the device cookie")
        guard case .object(let o)? = r.json, case .string(let refresh)? = o["refresh"] else { Issue.record("no refresh"); return }
        #expect(try jwt.verify(refresh, expected: .refresh, now: Int64(Date().timeIntervalSince1970)).tokenType == .refresh)
        guard case .string(let access)? = o["access"] else { return }
        let out = try stack.http.post("logout/", json: "{}", headers: [("Authorization", "Bearer \(access)")])
        #expect(out.headers(named: "Set-Cookie").isEmpty)
    }

    @Test func cookieAttributesFollowSettings() throws {
        let stack = try Stack(settings: ["AUTHKIT_AUTH_COOKIE_SECURE": "true", "AUTHKIT_AUTH_COOKIE_DOMAIN": "example.com",
                                         "AUTHKIT_AUTH_COOKIE_SAMESITE": "Strict", "AUTHKIT_AUTH_JWT_COOKIE_NAME": "at",
                                         "AUTHKIT_ACCESS_TOKEN_LIFETIME": "60"])
        defer { stack.stop() }
        try stack.createUser("secure")
        let r = try stack.http.post("login/", json: #"{"username":"secure","password":"S3cret-pass!"}"#)
        let access = try #require(r.headers(named: "Set-Cookie").first { $0.hasPrefix("at=") })
        #expect(access.contains("; Domain=example.com; expires="))
        #expect(access.hasSuffix("; HttpOnly; Max-Age=60; Path=/; SameSite=Strict; Secure"))
        // The renamed cookie is the one read for authentication.
        let token = String(access.dropFirst(3).prefix { $0 != ";" })
        #expect(try stack.http.get("user/", headers: [("Cookie", "at=\(token)")]).status == 200)
        #expect(try stack.http.get("user/", headers: [("Cookie", "auth-jwt=\(token)")]).status == 401)
    }

    @Test func rotationMakesRefreshTokensSingleUse() throws {
        let stack = try Stack(settings: ["AUTHKIT_ROTATE_REFRESH_TOKENS": "true", "AUTHKIT_USE_AUTH_COOKIE": "false"])
        defer { stack.stop() }
        try stack.createUser("rot")
        let r = try stack.http.post("login/", json: #"{"username":"rot","password":"S3cret-pass!"}"#)
        guard case .object(let o)? = r.json, case .string(let refresh)? = o["refresh"] else { Issue.record("no refresh"); return }
        // Concurrent refreshes with one token: exactly one wins.
        let statuses = Mutex<[Int]>([])
        Concurrently.run(8) { _ in
            let s = (try? stack.http.post("token/refresh/", json: #"{"refresh": "\#(refresh)"}"#))?.status ?? -1
            statuses.withLock { $0.append(s) }
        }
        let all = statuses.withLock { $0 }
        #expect(all.filter { $0 == 200 }.count == 1)
        #expect(all.filter { $0 == 401 }.count == 7)
        let fresh = try stack.http.post("login/", json: #"{"username":"rot","password":"S3cret-pass!"}"#)
        guard case .object(let f)? = fresh.json, case .string(let token)? = f["refresh"] else { return }
        let rotated = try stack.http.post("token/refresh/", json: #"{"refresh": "\#(token)"}"#)
        guard case .object(let body)? = rotated.json else { Issue.record("no JSON"); return }
        #expect(body.entries.map(\.key) == ["access", "refresh", "access_expiration", "refresh_expiration"])
        guard case .string(let next)? = body["refresh"] else { return }
        #expect(next != token)
        #expect(try stack.http.post("token/refresh/", json: #"{"refresh": "\#(next)"}"#).status == 200)
        #expect(try stack.http.post("token/refresh/", json: #"{"refresh": "\#(token)"}"#).status == 401)
    }

    @Test func slowHashesCannotOccupyEveryWorker() throws {
        // Slow hashes (the real default iteration count) and a budget of one slot plus one waiter.
        let stack = try Stack(settings: ["AUTHKIT_WORKERS": "4", "AUTHKIT_PASSWORD_HASH_ITERATIONS": "1000000",
                                         "AUTHKIT_PASSWORD_HASH_CONCURRENCY": "1", "AUTHKIT_PASSWORD_HASH_QUEUE": "1"])
        defer { stack.stop() }
        try stack.createUser("busy")
        let fast = try stack.http.post("login/", json: #"{"username":"busy","password":"S3cret-pass!"}"#)
        guard case .object(let o)? = fast.json, case .string(let access)? = o["access"] else { Issue.record("login failed: \(fast)"); return }

        let logins = Mutex<[Int]>([])
        let group = Concurrently.start(6) { _ in
            let s = (try? stack.http.post("login/", json: #"{"username":"busy","password":"wrong-password"}"#))?.status ?? -1
            logins.withLock { $0.append(s) }
        }
        // Wait until the budget is full (some logins were already turned away)...
        #expect(Paths.waitFor(seconds: 20) { logins.withLock { $0.contains(503) } })
        // ...then other endpoints still answer, before the slow logins are done.
        let health = try stack.http.get("healthz")
        let user = try stack.http.get("user/", headers: [("Authorization", "Bearer \(access)")])
        let finishedMeanwhile = logins.withLock { $0.count }
        #expect(health.status == 200)
        #expect(user.status == 200)
        #expect(finishedMeanwhile < 6, "every slow login had finished: the check proved nothing")
        group.wait()
        let all = logins.withLock { $0 }
        #expect(all.filter { $0 == 400 }.count >= 1)
        #expect(all.filter { $0 == 503 }.count >= 1)
        #expect(all.allSatisfy { $0 == 400 || $0 == 503 })
    }
}

import Synchronization
