import AuthKit
import Foundation
import Testing
import TestSupport

/// TRANSCRIPTS.md §1–§15 through nginx with default policies. The instance accepts one
/// neighbouring TOTP step (window 1) so a test can use a few codes without waiting 30 s;
/// replay protection is on, and `Phone` never reuses a step.
@Suite struct MFAFlowTests {
    /// drf-auth-kit's default (no code to delete an active method) as the transcripts assume;
    /// SecurityTests cover this service's safer default.
    static let stack = Result {
        try Stack(settings: ["AUTHKIT_MFA_TOTP_DEFAULT_VALID_WINDOW": "1", "AUTHKIT_MFA_DELETE_ACTIVE_METHOD_REQUIRE_CODE": "false"])
    }
    var s: Stack { get throws { try Self.stack.get() } }
    static let unknownMethod = #"{"non_field_errors":["Requested MFA method does not exist."]}"#

    struct Enrolled {
        let username: String
        let token: String
        let phone: Phone
        let backupCodes: [String]
    }

    /// A user with an active (primary) app method, and an access token taken before MFA was on.
    func enrollApp(_ username: String) throws -> Enrolled {
        try s.createUser(username)
        let token = try s.accessToken(username)
        let created = try s.post("mfa/", #"{"method": "app"}"#, token: token)
        #expect(created.status == 201)
        let phone = Phone(qrLink: created.object("setup_data")?["qr_link"].flatMap { if case .string(let q) = $0 { q } else { nil } } ?? "")
        let confirmed = try s.post("mfa/confirm/", #"{"method": "app", "code": "\#(phone.nextCode())"}"#, token: token)
        #expect(confirmed.text == #"{"detail":"Activated MFA method"}"#)
        return Enrolled(username: username, token: token, phone: phone, backupCodes: created.strings("backup_codes"))
    }

    /// Adds an email method and confirms it with the emailed code.
    func addEmail(_ user: Enrolled) throws -> Phone {
        let before = try s.mailbox.messages(to: "\(user.username)@example.com").count
        let created = try s.post("mfa/", #"{"method": "email"}"#, token: user.token)
        #expect(created.text.contains(#""setup_data":{"detail":"Email message with MFA code has been sent."}"#))
        let code = try #require(try s.mailbox.message(before, to: "\(user.username)@example.com")?.code)
        let confirmed = try s.post("mfa/confirm/", #"{"method": "email", "code": "\#(code)"}"#, token: user.token)
        #expect(confirmed.text == #"{"detail":"Activated MFA method"}"#)
        // The email method's secret is never disclosed; the test follows its codes by mail.
        return Phone(secret: "", interval: 180)
    }

    func firstStep(_ username: String) throws -> String {
        let r = try s.login(username)
        #expect(r.status == 200)
        return try #require(r.string("ephemeral_token"))
    }

    // MARK: §1 login/ first step, §2 login/verify/

    @Test func appLoginTwoSteps() throws {
        let u = try enrollApp("bob")
        let first = try s.login("bob")
        #expect(first.headers(named: "Set-Cookie").isEmpty)
        guard case .object(let body)? = first.json else { Issue.record("no JSON"); return }
        #expect(body.entries.map(\.key) == ["ephemeral_token", "method", "mfa_enabled"])
        #expect(body["method"] == "app")
        #expect(body["mfa_enabled"] == true)
        let token = try #require(first.string("ephemeral_token"))
        let parts = token.split(separator: "-")
        #expect(parts.count == 4 && parts[1] == "app" && parts[3].count == 40 && Int64(parts[2], radix: 36) != nil)

        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "123456"}"#).text == #"{"non_field_errors":["Invalid code"]}"#)
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "ABCDEFGHJKMN"}"#).text == #"{"non_field_errors":["Invalid code"]}"#)
        let code = u.phone.nextCode()
        let ok = try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "  \#(code)  "}"#)
        #expect(ok.status == 200)
        guard case .object(let done)? = ok.json else { return }
        #expect(done.entries.map(\.key) == ["access", "refresh", "access_expiration", "refresh_expiration", "user"])
        #expect(ok.headers(named: "Set-Cookie").count == 3, "the auth cookies and the device cookie")
        // Fixed: neither the code nor the ephemeral token can be replayed.
        let second = try firstStep("bob")
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(second)", "code": "\#(code)"}"#).text == #"{"non_field_errors":["Invalid code"]}"#)
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(u.phone.nextCode())"}"#).text
                == #"{"non_field_errors":["Invalid token"]}"#)
    }

    @Test func codeAsJSONNumber() throws {
        let u = try enrollApp("numbers")
        let token = try firstStep("numbers")
        var code = u.phone.nextCode()
        while code.hasPrefix("0") { code = u.phone.nextCode() }  // a number cannot keep a leading zero
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": \#(code)}"#).status == 200)
    }

    @Test func emailLoginSendsTheCode() throws {
        // As recorded in the reference: the emailed code completes the login. (This instance has
        // replay protection on, and the email's step was just used to confirm; see
        // MFAReplayTests for an email login on an instance configured like the reference.)
        let u = try enrollApp("carol")
        _ = try addEmail(u)
        _ = try s.post("mfa/primary/", #"{"method": "email"}"#, token: u.token)
        let before = try s.mailbox.messages(to: "carol@example.com").count
        let first = try s.login("carol")
        #expect(first.string("method") == "email")
        let mail = try #require(try s.mailbox.message(before, to: "carol@example.com"))
        #expect(mail.header("Subject") == "Your verification code")
        #expect(mail.header("From") == "webmaster@localhost")
        #expect(mail.header("To") == "carol@example.com")
        #expect(mail.header("Content-Type") == "multipart/alternative;")
        let code = try #require(mail.code)
        #expect(code.count == 6 && code.allSatisfy(\.isNumber))
        // The user can switch to the app and finish with it.
        let token = try #require(first.string("ephemeral_token"))
        let switched = try s.post("login/change-method/", #"{"ephemeral_token": "\#(token)", "new_method": "app"}"#)
        let appToken = try #require(switched.string("ephemeral_token"))
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(appToken)", "code": "\#(u.phone.nextCode())"}"#).status == 200)
    }

    @Test func ephemeralTokenRules() throws {
        try enrollApp("tina")
        let id = try s.psql("SELECT id FROM users WHERE username = 'tina'")
        let lastLogin = try s.psql("SELECT coalesce((extract(epoch FROM last_login) * 1000000)::bigint::text, '') FROM users WHERE username = 'tina'")
        let hash = try s.psql("SELECT password FROM users WHERE username = 'tina'")
        let tokens = EphemeralToken(secretKey: TestKeys.secretKey, expiry: 900)
        let now = Int64(Date().timeIntervalSince1970)
        func forged(_ method: String, _ ts: Int64, user: Int64? = nil) -> String {
            tokens.make(userID: user ?? Int64(id)!, method: method, email: "tina@example.com", lastLoginMicros: Int64(lastLogin),
                        passwordHash: hash, issuedAt: ts)
        }
        let invalid = #"{"non_field_errors":["Invalid token"]}"#
        func verify(_ token: String) throws -> String { try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "123456"}"#).text }
        #expect(try verify("garbage") == invalid)
        let good = forged("app", now)
        #expect(try verify(String(good.dropLast()) + (good.last == "0" ? "1" : "0")) == invalid)
        #expect(try verify(forged("app", now - 901)) == invalid)
        #expect(try verify(forged("app", now - 890)) == #"{"non_field_errors":["Invalid code"]}"#)
        #expect(try verify(forged("email", now)) == Self.unknownMethod)
        #expect(try verify(forged("app", now, user: 999_999)) == invalid)
        #expect(try s.post("login/verify/", "{}").text == #"{"ephemeral_token":["This field is required."],"code":["This field is required."]}"#)
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "", "code": ""}"#).text
                == #"{"ephemeral_token":["This field may not be blank."],"code":["This field may not be blank."]}"#)
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "t", "code": null}"#).text == #"{"code":["This field may not be null."]}"#)
    }

    // MARK: §3 backup codes

    @Test func backupCodes() throws {
        let u = try enrollApp("erin")
        #expect(u.backupCodes.count == 5)
        #expect(u.backupCodes.allSatisfy { $0.count == 12 && $0.allSatisfy { "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains($0) } })
        let stored = try s.psql("SELECT array_to_string(backup_codes, ' ') FROM mfa_methods m JOIN users u ON u.id = m.user_id WHERE u.username = 'erin'")
        #expect(u.backupCodes.allSatisfy { !stored.contains($0) }, "a plaintext backup code is stored")
        let token = try firstStep("erin")
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(u.backupCodes[0])"}"#).status == 200)
        let again = try firstStep("erin")
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(again)", "code": "\#(u.backupCodes[0])"}"#).text == #"{"non_field_errors":["Invalid code"]}"#)
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(again)", "code": "\#(u.backupCodes[1].lowercased())"}"#).status == 400)
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(again)", "code": " \#(u.backupCodes[1]) "}"#).status == 200)
        #expect(try s.psql("SELECT count(*) FROM mfa_backup_code_uses b JOIN users u ON u.id = b.user_id WHERE u.username = 'erin'") == "2")
        #expect(try s.psql("SELECT cardinality(backup_codes) FROM mfa_methods m JOIN users u ON u.id = m.user_id WHERE u.username = 'erin'") == "3")
    }

    // MARK: §4 change-method, §5 resend, §6 challenge

    @Test func changeMethodResendChallenge() throws {
        let u = try enrollApp("dave")
        let token = try firstStep("dave")
        #expect(try s.post("login/change-method/", #"{"ephemeral_token": "\#(token)", "new_method": "email"}"#).text == Self.unknownMethod)
        #expect(try s.post("login/change-method/", #"{"ephemeral_token": "\#(token)", "new_method": "app"}"#).text
                == #"{"non_field_errors":["Please select a new method"]}"#)
        #expect(try s.post("login/change-method/", #"{"ephemeral_token": "\#(token)", "new_method": "sms"}"#).text
                == #"{"new_method":["\"sms\" is not a valid choice."]}"#)
        #expect(try s.post("login/change-method/", #"{"ephemeral_token": "garbage", "new_method": "email"}"#).text == #"{"non_field_errors":["Invalid token"]}"#)
        #expect(try s.post("login/change-method/", "{}").text == #"{"ephemeral_token":["This field is required."],"new_method":["This field is required."]}"#)
        #expect(try s.post("login/change-method/", #"{"ephemeral_token": "", "new_method": ""}"#).text
                == #"{"ephemeral_token":["This field may not be blank."],"new_method":["\"\" is not a valid choice."]}"#)
        #expect(try s.post("login/change-method/", #"{"ephemeral_token": "t", "new_method": ["email"]}"#).text
                == #"{"new_method":["\"['email']\" is not a valid choice."]}"#)

        _ = try addEmail(u)
        let mails = try s.mailbox.messages(to: "dave@example.com").count
        let switched = try s.post("login/change-method/", #"{"ephemeral_token": "\#(token)", "new_method": "email"}"#)
        guard case .object(let body)? = switched.json else { Issue.record("no JSON"); return }
        #expect(body.entries.map(\.key) == ["ephemeral_token", "new_method"])
        #expect(body["new_method"] == "email")
        #expect(try s.mailbox.settledCount(to: "dave@example.com") == mails, "change-method must not send an email")
        let emailToken = try #require(switched.string("ephemeral_token"))
        #expect(emailToken.contains("-email-"))

        let resent = try s.post("login/resend/", #"{"ephemeral_token": "\#(emailToken)"}"#)
        #expect(resent.status == 200)
        guard case .object(let r)? = resent.json else { return }
        #expect(r.entries.map(\.key) == ["ephemeral_token"])
        #expect(try s.mailbox.message(mails, to: "dave@example.com") != nil)
        let appResend = try s.post("login/resend/", #"{"ephemeral_token": "\#(token)"}"#)
        #expect(appResend.status == 200)
        #expect(try s.mailbox.settledCount(to: "dave@example.com") == mails + 1, "resend for app must not send")
        #expect(try s.post("login/resend/", #"{"ephemeral_token": "garbage"}"#).text == #"{"non_field_errors":["Invalid token"]}"#)
        #expect(try s.post("login/resend/", "{}").text == #"{"ephemeral_token":["This field is required."]}"#)
        #expect(try s.post("login/resend/", #"{"ephemeral_token": ""}"#).text == #"{"ephemeral_token":["This field may not be blank."]}"#)

        #expect(try s.post("login/challenge/", #"{"ephemeral_token": "\#(token)"}"#).text == "{}")
        #expect(try s.post("login/challenge/", #"{"ephemeral_token": "garbage"}"#).text == #"{"non_field_errors":["Invalid token"]}"#)
        #expect(try s.post("login/challenge/", "{}").text == #"{"ephemeral_token":["This field is required."]}"#)
    }

    // MARK: §8 list, §9 create, §10 confirm

    @Test func listCreateConfirm() throws {
        try s.createUser("fred")
        let token = try s.accessToken("fred")
        let empty = #"[{"name":"app","is_primary":false,"is_active":false,"is_setup":false},{"name":"email","is_primary":false,"is_active":false,"is_setup":false}]"#
        #expect(try s.get("mfa/", token: token).text == empty)
        #expect(try s.get("mfa/", token: token).header("Allow") == "GET, POST, HEAD, OPTIONS")

        let app = try s.post("mfa/", #"{"method": "app"}"#, token: token)
        #expect(app.status == 201)
        guard case .object(let body)? = app.json else { Issue.record("no JSON"); return }
        #expect(body.entries.map(\.key) == ["method", "backup_codes", "setup_data"])
        let link = try #require(app.object("setup_data")?["qr_link"])
        guard case .string(let qr) = link else { return }
        #expect(qr.hasPrefix("otpauth://totp/MyApplication:fred?secret="))
        #expect(qr.hasSuffix("&issuer=MyApplication"))
        let phone = Phone(qrLink: qr)
        #expect(phone.secret.count == 32)
        // qr_link first and unchanged; then this service's additions: the QR code and the secret.
        guard case .object(let setup)? = body["setup_data"] else { Issue.record("no setup_data"); return }
        #expect(setup.entries.map(\.key) == ["qr_link", "qr_svg", "secret"])
        #expect(setup["secret"] == .string(phone.secret))
        guard case .string(let svg)? = setup["qr_svg"] else { Issue.record("no qr_svg"); return }
        #expect(svg.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" "#) && svg.hasSuffix("</svg>"))
        #expect(app.text.contains(#""qr_svg":"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"196\""#))
        #expect(try s.get("mfa/", token: token).text.contains(#"{"name":"app","is_primary":false,"is_active":false,"is_setup":true}"#))

        #expect(try s.post("mfa/", #"{"method": "app"}"#, token: token).text == #"{"method":["This method is already exists"]}"#)
        for (body, expected) in [(#"{"method": "sms"}"#, #"{"method":["\"sms\" is not a valid choice."]}"#),
                                 (#"{"method": "APP"}"#, #"{"method":["\"APP\" is not a valid choice."]}"#),
                                 ("{}", #"{"method":["This field is required."]}"#),
                                 (#"{"method": ""}"#, #"{"method":["\"\" is not a valid choice."]}"#),
                                 (#"{"method": null}"#, #"{"method":["This field may not be null."]}"#),
                                 (#"{"method": 1}"#, #"{"method":["\"1\" is not a valid choice."]}"#),
                                 (#"{"method": ["app"]}"#, #"{"method":["\"['app']\" is not a valid choice."]}"#),
                                 (#"{"method": "#, #"{"detail":"JSON parse error - Expecting value: line 1 column 12 (char 11)"}"#)] {
            #expect(try s.post("mfa/", body, token: token).text == expected, "\(body)")
        }
        #expect(try s.post("mfa/", #"{"method": "app"}"#).status == 401)
        #expect(try s.post("mfa", #"{"method": "app"}"#, token: token).status == 301)
        let form = try s.http.send("POST", "mfa/", headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "text/plain")], body: Array("method=app".utf8))
        #expect(form.status == 415)

        let invalid = #"{"non_field_errors":["Invalid verification code"]}"#
        #expect(try s.post("mfa/confirm/", #"{"method": "app", "code": "123456"}"#, token: token).text == invalid)
        #expect(try s.post("mfa/confirm/", #"{"method": "app", "code": "\#(app.strings("backup_codes")[0])"}"#, token: token).text == invalid)
        let code = phone.nextCode()
        #expect(try s.post("mfa/confirm/", #"{"method": "app", "code": "\#(code)"}"#, token: token).text == #"{"detail":"Activated MFA method"}"#)
        #expect(try s.post("mfa/confirm/", #"{"method": "app", "code": "\#(code)"}"#, token: token).text == Self.unknownMethod)
        #expect(try s.get("mfa/", token: token).text.contains(#"{"name":"app","is_primary":true,"is_active":true,"is_setup":true}"#))
        #expect(try s.post("mfa/confirm/", #"{"method": "email", "code": "123456"}"#, token: token).text == Self.unknownMethod)
        #expect(try s.post("mfa/confirm/", #"{"method": "sms", "code": "123456"}"#, token: token).text == #"{"method":["\"sms\" is not a valid choice."]}"#)
        #expect(try s.post("mfa/confirm/", "{}", token: token).text == #"{"method":["This field is required."],"code":["This field is required."]}"#)
        #expect(try s.post("mfa/confirm/", #"{"method": "app", "code": ""}"#, token: token).text == #"{"code":["This field may not be blank."]}"#)
        #expect(try s.get("mfa/confirm/", token: token).status == 405)

        // Email: confirmed with the mailed code, active but not primary.
        let mails = try s.mailbox.messages(to: "fred@example.com").count
        #expect(try s.post("mfa/", #"{"method": "email"}"#, token: token).status == 201)
        let mailed = try #require(try s.mailbox.message(mails, to: "fred@example.com")?.code)
        #expect(try s.post("mfa/confirm/", #"{"method": "email", "code": "\#(mailed)"}"#, token: token).status == 200)
        #expect(try s.get("mfa/", token: token).text
                == #"[{"name":"app","is_primary":true,"is_active":true,"is_setup":true},{"name":"email","is_primary":false,"is_active":true,"is_setup":true}]"#)
    }

    // MARK: §11 primary, §12 send, §13 challenge

    @Test func primarySendChallenge() throws {
        let u = try enrollApp("gina")
        #expect(try s.post("mfa/primary/", #"{"method": "email"}"#, token: u.token).text == Self.unknownMethod)
        #expect(try s.post("mfa/send/", #"{"method": "email"}"#, token: u.token).text == Self.unknownMethod)
        #expect(try s.post("mfa/challenge/", #"{"method": "email"}"#, token: u.token).text == Self.unknownMethod)
        _ = try addEmail(u)
        #expect(try s.post("mfa/primary/", #"{"method": "email"}"#, token: u.token).text == #"{"detail":"Updated primary MFA method"}"#)
        #expect(try s.get("mfa/", token: u.token).text
                == #"[{"name":"app","is_primary":false,"is_active":true,"is_setup":true},{"name":"email","is_primary":true,"is_active":true,"is_setup":true}]"#)
        #expect(try s.post("mfa/primary/", #"{"method": "email", "primary_code": "garbage"}"#, token: u.token).status == 200)
        #expect(try s.post("mfa/primary/", #"{"method": "sms"}"#, token: u.token).text == #"{"method":["\"sms\" is not a valid choice."]}"#)
        #expect(try s.post("mfa/primary/", "{}", token: u.token).text == #"{"method":["This field is required."]}"#)
        #expect(try s.post("mfa/primary/", #"{"method": "app"}"#).status == 401)

        let mails = try s.mailbox.messages(to: "gina@example.com").count
        #expect(try s.post("mfa/send/", #"{"method": "email"}"#, token: u.token).text == #"{"detail":"MFA code sent"}"#)
        #expect(try s.mailbox.message(mails, to: "gina@example.com") != nil)
        #expect(try s.post("mfa/send/", #"{"method": "app"}"#, token: u.token).text == #"{"detail":"MFA code sent"}"#)
        #expect(try s.mailbox.settledCount(to: "gina@example.com") == mails + 1)
        #expect(try s.post("mfa/send/", "{}", token: u.token).text == #"{"method":["This field is required."]}"#)
        #expect(try s.post("mfa/challenge/", #"{"method": "app"}"#, token: u.token).text == "{}")
        #expect(try s.post("mfa/challenge/", #"{"method": "app"}"#).status == 401)
    }

    // MARK: §14 deactivate, §15 delete

    @Test func deactivateAndPromotion() throws {
        let u = try enrollApp("hank")
        _ = try addEmail(u)
        let invalid = #"{"non_field_errors":["Invalid OTP code"]}"#
        #expect(try s.post("mfa/deactivate/", #"{"method": "app", "code": "000000"}"#, token: u.token).text == invalid)
        #expect(try s.post("mfa/deactivate/", #"{"method": "app", "code": "\#(u.backupCodes[0])"}"#, token: u.token).text == invalid)
        #expect(try s.post("mfa/deactivate/", #"{"method": "app"}"#, token: u.token).text == #"{"code":["This field is required."]}"#)
        // Deactivating the primary promotes the oldest remaining active method.
        #expect(try s.post("mfa/deactivate/", #"{"method": "app", "code": "\#(u.phone.nextCode())"}"#, token: u.token).text
                == #"{"detail":"Deactivated MFA method"}"#)
        #expect(try s.get("mfa/", token: u.token).text
                == #"[{"name":"app","is_primary":false,"is_active":false,"is_setup":true},{"name":"email","is_primary":true,"is_active":true,"is_setup":true}]"#)
        #expect(try s.post("mfa/deactivate/", #"{"method": "app", "code": "000000"}"#, token: u.token).text == Self.unknownMethod)
        #expect(try s.post("mfa/deactivate/", #"{"method": "app", "code": "1"}"#).status == 401)
        // A deactivated method can be confirmed again with a fresh code.
        #expect(try s.post("mfa/confirm/", #"{"method": "app", "code": "\#(u.phone.nextCode())"}"#, token: u.token).text
                == #"{"detail":"Activated MFA method"}"#)
        #expect(try s.get("mfa/", token: u.token).text.contains(#"{"name":"app","is_primary":false,"is_active":true,"is_setup":true}"#))
    }

    @Test func deleteAndPromotion() throws {
        let u = try enrollApp("ivy")
        _ = try addEmail(u)
        let r = try s.post("mfa/delete/", #"{"method": "app"}"#, token: u.token)
        #expect(r.status == 204)
        #expect(r.body.isEmpty)
        #expect(r.header("Content-Type") == nil)
        #expect(try s.get("mfa/", token: u.token).text
                == #"[{"name":"app","is_primary":false,"is_active":false,"is_setup":false},{"name":"email","is_primary":true,"is_active":true,"is_setup":true}]"#)
        #expect(try s.post("mfa/delete/", #"{"method": "app"}"#, token: u.token).text == #"{"non_field_errors":["Method does not exist"]}"#)
        #expect(try s.post("mfa/delete/", #"{"method": "sms"}"#, token: u.token).text == #"{"method":["\"sms\" is not a valid choice."]}"#)
        #expect(try s.post("mfa/delete/", "{}", token: u.token).text == #"{"method":["This field is required."]}"#)
        #expect(try s.post("mfa/delete/", #"{"method": "app"}"#).status == 401)
        // The HTTP DELETE verb is not an alias of the delete action here.
        let verb = try s.http.send("DELETE", "mfa/delete/", headers: [("Authorization", "Bearer \(u.token)"), ("Content-Type", "application/json")],
                                   body: Array(#"{"method": "email"}"#.utf8))
        #expect(verb.status == 405)
        #expect(try s.post("mfa/delete/", #"{"method": "email", "code": "garbage"}"#, token: u.token).status == 204)
        // Recreating issues a new set of backup codes.
        let again = try s.post("mfa/", #"{"method": "app"}"#, token: u.token)
        #expect(again.status == 201)
        #expect(Set(again.strings("backup_codes")).isDisjoint(with: u.backupCodes))
        _ = try s.post("mfa/delete/", #"{"method": "app"}"#, token: u.token)
        #expect(try s.login("ivy").string("access") != nil)
    }
}
