import Testing
@testable import AuthKit

@Suite struct DjangoPasswordTests {
    /// Made by Django 5.2's make_password / PBKDF2PasswordHasher.encode (reference virtualenv).
    static let djangoHashes: [(String, String)] = [
        ("S3cret-pass!", "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$whX0jrZSQPAKwTLbju21w4wVPf+DFr7qG89RzaeHGr8="),
        ("S3cret-pass!", "pbkdf2_sha256$1000000$Qx7nR2pLm9KdT4vWz8YbHs$85XMHi+ewvGyO7CjQd9mj3pbryYAIeiLkPIocOCVkm0="),
        ("pässwörd 🙂", "pbkdf2_sha256$600$saltsaltsalt$L0n8a1Va1El6wYjeXKPmrqtn1CvFDZpv4K+fm2761b0="),
        ("S3cret-pass!", "pbkdf2_sha1$1000$abcdefghijklmnopqrstuv$jfihsALVO1mHIyPmsGxOMlLcgys="),
        ("S3cret-pass!", "pbkdf2_sha256$1000000$fCDdqcTWC5H0BK6z8AyCpd$A6lBjLlFnwQgT3TL2NkSzHJZPcR4LlcOky3ZQ+GXA3w="),
    ]

    @Test func djangoHashesVerifyHere() {
        for (password, hash) in Self.djangoHashes {
            guard case .match = DjangoPassword.verify(password, against: hash, currentIterations: 1_000_000) else {
                Issue.record("Django hash did not verify: \(hash)")
                continue
            }
            #expect(DjangoPassword.verify(password + "x", against: hash, currentIterations: 1_000_000) == .mismatch)
        }
    }

    @Test func hashesMadeHereAreDjangosBytes() {
        // Same password, salt and iterations: the exact string Django produced, so Django verifies ours.
        #expect(DjangoPassword.make("S3cret-pass!", iterations: 1000, salt: "abcdefghijklmnopqrstuv") == Self.djangoHashes[0].1)
        #expect(DjangoPassword.make("pässwörd 🙂", iterations: 600, salt: "saltsaltsalt") == Self.djangoHashes[2].1)
        let made = DjangoPassword.make("x", iterations: 1000)
        let parts = made.split(separator: "$")
        #expect(parts.count == 4 && parts[0] == "pbkdf2_sha256" && parts[1] == "1000" && parts[2].count == 22)
    }

    @Test func upgradesAndUnusableHashes() {
        #expect(DjangoPassword.verify("S3cret-pass!", against: Self.djangoHashes[0].1, currentIterations: 1000) == .match(needsUpgrade: false))
        #expect(DjangoPassword.verify("S3cret-pass!", against: Self.djangoHashes[0].1, currentIterations: 2000) == .match(needsUpgrade: true))
        #expect(DjangoPassword.verify("S3cret-pass!", against: Self.djangoHashes[3].1, currentIterations: 1000) == .match(needsUpgrade: true))
        for bad in ["!unusable", "", "pbkdf2_sha256$x$salt$hash", "md5$1$a$b", "pbkdf2_sha256$1000$salt$***"] {
            #expect(DjangoPassword.verify("S3cret-pass!", against: bad, currentIterations: 1000) == .mismatch)
        }
    }
}

@Suite struct JWTTests {
    static let key = "test-secret-key-for-interop-0123456789abcdef"
    /// Produced by PyJWT 2.15.1 (simplejwt's encoder) with the same claims and key.
    static let pyjwtAccess = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzk1NjEyODgwLCJpYXQiOjE3OTU2MTI1ODAsImp0aSI6IjRlM2IyMTZmZGVmODQyMjk5NTNmZDM2ZjU5OTMyMWZhIiwidXNlcl9pZCI6IjQyIn0.94ZFB9t6WCfb6G8an6IYMk2kwKKl93VHdBQFva-iagc"
    static let pyjwtRefresh = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTc5NTY5OTA2MCwiaWF0IjoxNzk1NjEyNjYwLCJqdGkiOiIxNzEwZDNkYmZlOTM0ZTFjODU4YWYxMmIwNjBiYjUzMCIsInVzZXJfaWQiOiI3In0.xWkTcrolt7CgWFTjz18wQIv317Cb3mdcRvJjSEKn420"
    let jwt = JWT(secretKey: key)

    @Test func signsExactlyLikePyJWT() {
        let claims = JWT.Claims(tokenType: .access, exp: 1795612880, iat: 1795612580, jti: "4e3b216fdef84229953fd36f599321fa", userID: "42")
        #expect(jwt.sign(claims) == Self.pyjwtAccess)
    }

    @Test func verifiesPyJWTTokens() throws {
        let claims = try jwt.verify(Self.pyjwtRefresh, expected: .refresh, now: 1795612700)
        #expect(claims.userID == "7")
        #expect(claims.jti == "1710d3dbfe934e1c858af12b060bb530")
        #expect(try jwt.verify(Self.pyjwtAccess, expected: nil, now: 1795612700).tokenType == .access)
    }

    @Test func failuresUseSimpleJWTMessages() {
        #expect(throws: JWT.Failure.expired) { try jwt.verify(Self.pyjwtAccess, expected: .access, now: 1795612880) }
        #expect(throws: JWT.Failure.wrongType) { try jwt.verify(Self.pyjwtRefresh, expected: .access, now: 1795612700) }
        #expect(throws: JWT.Failure.invalid) { try jwt.verify(Self.pyjwtAccess, expected: .access, now: 1795612000) }  // iat in the future
        #expect(throws: JWT.Failure.invalid) { try JWT(secretKey: "another-key-another-key-another-key").verify(Self.pyjwtAccess, expected: .access, now: 1795612700) }
        #expect(throws: JWT.Failure.invalid) { try jwt.verify("garbage", expected: .access, now: 0) }
        var tampered = Array(Self.pyjwtAccess)
        tampered[40] = tampered[40] == "A" ? "B" : "A"
        #expect(throws: JWT.Failure.invalid) { try jwt.verify(String(tampered), expected: .access, now: 1795612700) }
        // alg "none" is never accepted.
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + Self.pyjwtAccess.split(separator: ".")[1] + "."
        #expect(throws: JWT.Failure.invalid) { try jwt.verify(none, expected: .access, now: 1795612700) }
        let noJTI = jwt.sign(JWT.Claims(tokenType: .access, exp: 2_000_000_000, iat: 1, jti: nil, userID: "1"))
        #expect(throws: JWT.Failure.noID) { try jwt.verify(noJTI, expected: .access, now: 100) }
        let noType = jwt.sign(JWT.Claims(tokenType: nil, exp: 2_000_000_000, iat: 1, jti: "a", userID: "1"))
        #expect(throws: JWT.Failure.noType) { try jwt.verify(noType, expected: .access, now: 100) }
        #expect(throws: Never.self) { try jwt.verify(noType, expected: nil, now: 100) }
    }

    @Test func issuedTokensHaveSimpleJWTShape() throws {
        let settings = try Settings.load(from: ["AUTHKIT_SECRET_KEY": Self.key], requireDatabase: false)
        let now = UnixTime(microseconds: 1_795_612_580_672_184)
        let access = TokenIssuer(settings: settings.tokens).issue(.access, userID: "1", now: now)
        #expect(access.claims.exp - access.claims.iat == 300)
        #expect(access.claims.iat == 1_795_612_580)
        let jti = try #require(access.claims.jti)
        #expect(jti.count == 32 && jti.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(Array(jti)[12] == "4")
        #expect(TimeFormat.iso8601(access.expiration) == "2026-11-25T13:21:20.672184Z")
        #expect(TimeFormat.iso8601(UnixTime(seconds: 1_795_612_880)) == "2026-11-25T13:21:20Z")
    }
}

@Suite struct CookieTests {
    func cookies(_ env: [String: String] = [:]) throws -> AuthCookies {
        AuthCookies(try Settings.load(from: env, requireDatabase: false).cookies)
    }

    @Test func defaultsMatchDjango() throws {
        let c = try cookies()
        #expect(c.setAccess("TOKEN", maxAge: 300, now: 1_795_612_580).1
                == "auth-jwt=TOKEN; expires=Wed, 25 Nov 2026 13:21:20 GMT; HttpOnly; Max-Age=300; Path=/; SameSite=Lax")
        #expect(c.setRefresh("R", maxAge: 86400, now: 1_795_612_580).1
                == "auth-refresh-jwt=R; expires=Thu, 26 Nov 2026 13:16:20 GMT; HttpOnly; Max-Age=86400; Path=/; SameSite=Lax")
        #expect(c.deleteBoth().map(\.1) == [
            "auth-jwt=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax",
            "auth-refresh-jwt=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax",
        ])
    }

    @Test func everyAttributeInPythonOrder() throws {
        let c = try cookies(["AUTHKIT_AUTH_COOKIE_SECURE": "true", "AUTHKIT_AUTH_COOKIE_DOMAIN": "example.com",
                             "AUTHKIT_AUTH_COOKIE_SAMESITE": "none", "AUTHKIT_AUTH_COOKIE_PARTITIONED": "true",
                             "AUTHKIT_AUTH_JWT_COOKIE_NAME": "at", "AUTHKIT_AUTH_JWT_COOKIE_PATH": "/api/"])
        #expect(c.setAccess("T", maxAge: 300, now: 1_795_612_580).1
                == "at=T; Domain=example.com; expires=Wed, 25 Nov 2026 13:21:20 GMT; HttpOnly; Max-Age=300; Partitioned; Path=/api/; SameSite=None; Secure")
        #expect(c.deleteBoth()[0].1 == "at=\"\"; Domain=example.com; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/api/; SameSite=None; Secure")
        let noHttpOnly = try cookies(["AUTHKIT_AUTH_COOKIE_HTTPONLY": "false", "AUTHKIT_AUTH_COOKIE_SAMESITE": "off"])
        #expect(noHttpOnly.setAccess("T", maxAge: 5, now: 0).1 == "auth-jwt=T; expires=Thu, 01 Jan 1970 00:00:05 GMT; Max-Age=5; Path=/")
    }

    @Test func cookieHeaderParsing() {
        #expect(AuthCookies.value("auth-jwt", in: "a=1; auth-jwt=abc.def; b=2") == "abc.def")
        #expect(AuthCookies.value("auth-jwt", in: "auth-jwt=\"q\"") == "q")
        #expect(AuthCookies.value("auth-jwt", in: "auth-jwt=1; auth-jwt=2") == "2")
        #expect(AuthCookies.value("auth-jwt", in: "xauth-jwt=1") == nil)
        #expect(AuthCookies.value("auth-jwt", in: nil) == nil)
    }

    @Test func invalidCookieSettingsAreRefused() {
        #expect(throws: SettingsError.self) { try Settings.load(from: ["AUTHKIT_AUTH_COOKIE_SAMESITE": "sometimes"], requireDatabase: false) }
        #expect(throws: SettingsError.self) { try Settings.load(from: ["AUTHKIT_AUTH_JWT_COOKIE_NAME": "a b"], requireDatabase: false) }
        #expect(throws: SettingsError.self) { try Settings.load(from: ["AUTHKIT_SECRET_KEY": "short"], requireDatabase: false, requireSecretKey: true) }
        #expect(throws: SettingsError.self) { try Settings.load(from: [:], requireDatabase: false, requireSecretKey: true) }
        #expect(throws: SettingsError.self) {
            try Settings.load(from: ["AUTHKIT_WORKERS": "4", "AUTHKIT_PASSWORD_HASH_CONCURRENCY": "3", "AUTHKIT_PASSWORD_HASH_QUEUE": "1"], requireDatabase: false)
        }
    }
}

@Suite struct ProfileFieldTests {
    let context = FieldContext(methodNames: [], settings: try! Settings.load(from: [:], requireDatabase: false))

    func errors(_ json: String, partial: Bool = true) -> String? {
        var c = context
        c.partial = partial
        do {
            _ = try UserUpdateRequest.decode(from: JSONParser.parse(Array(json.utf8)), context: c)
            return nil
        } catch let e as APIError {
            return String(decoding: JSONWriter.encode(e.body), as: UTF8.self)
        } catch {
            return "\(error)"
        }
    }

    @Test func usernameRulesInDjangoOrder() {
        let invalid = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
        #expect(errors(#"{"username":"a b"}"#) == #"{"username":["\#(invalid)"]}"#)
        #expect(errors("{\"username\":\"\(String(repeating: "a b", count: 60))\"}")
                == #"{"username":["\#(invalid)","Ensure this field has no more than 150 characters."]}"#)
        #expect(errors(#"{"username":"a\u0000b"}"#) == #"{"username":["\#(invalid)","Null characters are not allowed."]}"#)
        #expect(errors(#"{"username":"ålice.x@y+z-_٣²"}"#) == nil)
        #expect(errors(#"{"username":"a\u0301b"}"#) == #"{"username":["\#(invalid)"]}"#)
        #expect(errors(#"{"username":""}"#) == #"{"username":["This field may not be blank."]}"#)
        #expect(errors(#"{"first_name":null,"last_name":""}"#) == #"{"first_name":["This field may not be null."]}"#)
        #expect(errors("{\"last_name\":\"\(String(repeating: "é", count: 151))\"}") == #"{"last_name":["Ensure this field has no more than 150 characters."]}"#)
        #expect(errors(#"{}"#, partial: false) == #"{"username":["This field is required."]}"#)
        #expect(errors(#"{"last_name":"Q"}"#, partial: false) == #"{"username":["This field is required."]}"#)
    }
}

@Suite struct HashBudgetTests {
    @Test func refusesBeyondConcurrencyPlusQueue() throws {
        let budget = HashBudget(concurrency: 1, queue: 0, timeout: 5)
        // While one hash holds the only slot, another request is refused at once.
        let refused = try budget.run { () -> Bool in
            do {
                try budget.run { }
                return false
            } catch let e as APIError {
                return e.status == .serviceUnavailable && e.headers.contains { $0.name == "Retry-After" }
            }
        }
        #expect(refused)
        #expect(budget.computed.load(ordering: .relaxed) == 1)
        #expect(budget.refused.load(ordering: .relaxed) == 1)
        try budget.run { }
        #expect(budget.computed.load(ordering: .relaxed) == 2)
    }
}
