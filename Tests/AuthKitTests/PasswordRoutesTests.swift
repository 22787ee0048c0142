import Testing
@testable import AuthKit

/// The pure parts of the password routes (issue 14): reset tokens, link building, request
/// fields and their messages, OPTIONS bodies.
@Suite struct PasswordRoutesTests {
    static func settings(_ env: [String: String] = [:]) throws -> Settings {
        try Settings.load(from: env, requireDatabase: false)
    }

    func errorBody<T: RequestBody>(_ type: T.Type, _ json: String, env: [String: String] = [:]) throws -> String? {
        let context = FieldContext(methodNames: ["app"], settings: try Self.settings(env))
        do {
            _ = try T.decode(from: JSONParser.parse(Array(json.utf8)), context: context)
            return nil
        } catch let error as APIError {
            return String(decoding: JSONWriter.encode(error.body), as: UTF8.self)
        }
    }

    /// Django's recipe (docs/contract/account.md §8), checked against Python's hmac/hashlib:
    /// a Django site with the same SECRET_KEY makes the same token.
    @Test func resetTokensAreDjangosAndDieWithTheirInputs() {
        let tokens = PasswordResetToken(secretKey: "test-secret-key-for-interop-0123456789abcdef", timeout: 259_200)
        let subject = PasswordResetToken.Subject(id: 22, passwordHash: "pbkdf2_sha256$1000$salt$abc=",
                                                 lastLoginMicros: 1_796_572_887_123_456, email: "acct_p2@example.com")
        let now = UnixTime(seconds: 1_796_573_016)
        let token = tokens.make(for: subject, now: now)
        #expect(token == "dj69y0-ed29aec91b7f584ab5b220f0c002d19a")
        #expect(tokens.check(token, for: subject, now: now))
        #expect(tokens.check(token, for: subject, now: now.adding(seconds: 259_200)))
        #expect(!tokens.check(token, for: subject, now: now.adding(seconds: 259_201)), "expired")
        #expect(!tokens.check(token.uppercased(), for: subject, now: now), "case-sensitive")
        #expect(!tokens.check("garbage", for: subject, now: now))
        #expect(!tokens.check(token + "0", for: subject, now: now))
        let changed = [
            PasswordResetToken.Subject(id: 22, passwordHash: "pbkdf2_sha256$1000$salt$abd=", lastLoginMicros: 1_796_572_887_123_456,
                                       email: "acct_p2@example.com"),
            PasswordResetToken.Subject(id: 22, passwordHash: "pbkdf2_sha256$1000$salt$abc=", lastLoginMicros: 1_796_572_888_000_000,
                                       email: "acct_p2@example.com"),
            PasswordResetToken.Subject(id: 22, passwordHash: "pbkdf2_sha256$1000$salt$abc=", lastLoginMicros: 1_796_572_887_123_456,
                                       email: "other@example.com"),
            PasswordResetToken.Subject(id: 23, passwordHash: "pbkdf2_sha256$1000$salt$abc=", lastLoginMicros: 1_796_572_887_123_456,
                                       email: "acct_p2@example.com"),
        ]
        for other in changed { #expect(!tokens.check(token, for: other, now: now)) }
        // Another microsecond of the same login second keeps the token (Django drops them).
        let sameSecond = PasswordResetToken.Subject(id: 22, passwordHash: "pbkdf2_sha256$1000$salt$abc=",
                                                    lastLoginMicros: 1_796_572_887_999_999, email: "acct_p2@example.com")
        #expect(tokens.check(token, for: sameSecond, now: now))
    }

    @Test func uidsAreBase36EitherCase() {
        #expect(PasswordResetToken.uid(4) == "4")
        #expect(PasswordResetToken.uid(10) == "a")
        #expect(PasswordResetToken.uid(37) == "11")
        #expect(PasswordResetToken.userID(fromUID: "A") == 10)
        #expect(PasswordResetToken.userID(fromUID: "zzzz") == 1_679_615)
        #expect(PasswordResetToken.userID(fromUID: "!!") == nil)
        #expect(PasswordResetToken.userID(fromUID: "") == nil)
        #expect(PasswordResetToken.userID(fromUID: "-1") == nil)
        #expect(PasswordResetToken.userID(fromUID: String(repeating: "z", count: 14)) == nil)
    }

    /// drf-auth-kit's joining rule (contract §7.1/§7.2), from the settings only.
    @Test func linksAndSiteNameComeFromSettings() throws {
        #expect(try Self.settings().account.passwordResetLink(uid: "4", token: "t") == nil)
        let plain = try Self.settings(["AUTHKIT_FRONTEND_BASE_URL": "https://app.example.com"]).account
        #expect(plain.passwordResetLink(uid: "j", token: "t") == "https://app.example.com/api/auth/password/reset/confirm?uid=j&token=t")
        #expect(plain.siteName == "app.example.com")
        let base = try Self.settings(["AUTHKIT_FRONTEND_BASE_URL": "https://app.example.com/base/",
                                      "AUTHKIT_PASSWORD_RESET_CONFIRM_PATH": "/reset-password",
                                      "AUTHKIT_SITE_NAME": "Example"]).account
        #expect(base.passwordResetLink(uid: "l", token: "t") == "https://app.example.com/base/reset-password?uid=l&token=t")
        #expect(base.siteName == "Example")
        let port = try Self.settings(["AUTHKIT_FRONTEND_BASE_URL": "http://localhost:8100"]).account
        #expect(port.siteName == "localhost:8100")
        for bad in ["app.example.com", "ftp://x", "https://", "https://a b"] {
            #expect(throws: SettingsError.self) { try Self.settings(["AUTHKIT_FRONTEND_BASE_URL": bad]) }
        }
    }

    @Test func mailTextIsTheReferences() {
        let body = PasswordResetMail.body(site: "127.0.0.1:8100", link: "http://x/confirm?uid=4&token=t", username: "Acct_Bob")
        #expect(body == "Hello from 127.0.0.1:8100!\n\nYou're receiving this email because you or someone else has requested a "
                + "password reset for your user account.\nIt can be safely ignored if you did not request a password reset. "
                + "Click the link below to reset your password.\n\nhttp://x/confirm?uid=4&token=t\n\nIn case you forgot, your "
                + "username is Acct_Bob.\n\nThank you for using 127.0.0.1:8100!\n127.0.0.1:8100\n")
        #expect(PasswordResetMail.subject(site: "Example") == "[Example] Password Reset Email")
    }

    @Test func fieldMessagesAreTheReferences() throws {
        #expect(try errorBody(PasswordChangeRequest.self, "{}")
                == #"{"new_password1":["This field is required."],"new_password2":["This field is required."]}"#)
        #expect(try errorBody(PasswordChangeRequest.self, #"{"old_password":"","new_password1":"a","new_password2":"a"}"#) == nil,
                "old_password is ignored when the field is off")
        #expect(try errorBody(PasswordChangeRequest.self, "{}", env: ["AUTHKIT_OLD_PASSWORD_FIELD_ENABLED": "true"])
                == #"{"old_password":["This field is required."],"new_password1":["This field is required."],"new_password2":["This field is required."]}"#)
        let long = String(repeating: "p", count: 129)
        #expect(try errorBody(PasswordResetConfirmRequest.self, #"{"new_password1":"\#(long)","new_password2":"\#(long)","uid":"1","token":"t"}"#)
                == #"{"new_password1":["Ensure this field has no more than 128 characters."],"new_password2":["Ensure this field has no more than 128 characters."]}"#)
        #expect(try errorBody(PasswordResetConfirmRequest.self, #"{"new_password1":"","new_password2":"","uid":"","token":""}"#)
                == #"{"new_password1":["This field may not be blank."],"new_password2":["This field may not be blank."],"uid":["This field may not be blank."],"token":["This field may not be blank."]}"#)
        #expect(try errorBody(PasswordResetRequest.self, #"{"email":"nope"}"#) == #"{"email":["Enter a valid email address."]}"#)
        #expect(try errorBody(PasswordResetRequest.self, #"{"email":""}"#) == #"{"email":["This field may not be blank."]}"#)
        #expect(try errorBody(PasswordResetRequest.self, "{}") == #"{"email":["This field is required."]}"#)
        #expect(try errorBody(PasswordResetRequest.self, #"{"email":" ACCT_BOB@EXAMPLE.COM "}"#) == nil)
    }

    @Test func emailValidationFollowsDjango() {
        for good in ["a@b.co", "first.last+tag@example.com", "x@localhost", "\"quoted\"@example.com", "a@[127.0.0.1]",
                     "user@bücher.de", "o'neil@example.org"] {
            #expect(EmailField.isValid(good), "\(good)")
        }
        for bad in ["nope", "a@b", "@example.com", "a@", "a..b@example.com", "a@-x.com", "a@x.c", "a b@example.com",
                    "a@example.com.", String(repeating: "a", count: 320) + "@x.com"] {
            #expect(!EmailField.isValid(bad), "\(bad)")
        }
    }

    @Test func optionsBodiesAreTheReferencesWithJSONOnly() throws {
        func text(_ key: String) -> String {
            String(decoding: JSONWriter.encode(.object(RouteMetadata.object(for: key, methodNames: []))), as: UTF8.self)
        }
        #expect(text("password/reset") == #"{"name":"Password Reset","description":"Password reset request view.\n\nAccepts email address and sends password reset email\nusing django-allauth forms.","renders":["application/json"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"actions":{"POST":{"email":{"type":"email","required":true,"read_only":false,"label":"Email"},"detail":{"type":"string","required":false,"read_only":true,"label":"Detail"}}}}"#)
        #expect(text(RouteMetadata.passwordChangeWithOldPassword).contains(#""actions":{"POST":{"old_password":{"type":"string","required":true,"read_only":false,"label":"Old password","max_length":128},"new_password1""#))
        let app = Application(settings: try Self.settings(["AUTHKIT_OLD_PASSWORD_FIELD_ENABLED": "on"]))
        let route = try #require(app.router.allRoutes.first { $0.name == "password/change/" })
        #expect(String(decoding: JSONWriter.encode(.object(route.metadata)), as: UTF8.self) == text(RouteMetadata.passwordChangeWithOldPassword))
    }
}
