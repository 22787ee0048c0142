import AuthKit
import Foundation
import Testing
import TestSupport

/// password/change/, password/reset/ and password/reset/confirm/ through nginx (issue 14):
/// the reference's statuses, bodies and mail, links from the settings (never Host), sessions
/// ended by a new password, rate limits that reveal nothing.
@Suite struct PasswordRouteTests {
    /// The reference's defaults (no password validators) and a frontend for the links.
    static let frontend = ["AUTHKIT_FRONTEND_BASE_URL": "https://app.example.com/base/",
                           "AUTHKIT_PASSWORD_RESET_CONFIRM_PATH": "/reset-password", "AUTHKIT_PASSWORD_VALIDATORS": "none",
                           "AUTHKIT_SECURITY_NOTICES": "password_changed"]
    static let sent = #"{"detail":"Password reset e-mail has been sent."}"#
    static let mismatch = "{\"new_password2\":[\"The two password fields didn\u{2019}t match.\"]}"

    static func tokens(_ r: HTTPClient.Response) -> (access: String, refresh: String)? {
        guard let access = r.string("access"), let refresh = r.cookie("auth-refresh-jwt") else { return nil }
        return (access, refresh)
    }

    func refresh(_ s: Stack, _ token: String) throws -> HTTPClient.Response {
        try s.http.post("token/refresh/", json: #"{"refresh": "\#(token)"}"#)
    }

    func reset(_ s: Stack, _ email: String, headers: [(String, String)] = []) throws -> HTTPClient.Response {
        try s.http.post("password/reset/", json: #"{"email": "\#(email)"}"#, headers: headers)
    }

    func confirm(_ s: Stack, uid: String, token: String, _ p1: String = "N3w-Pass-4321", _ p2: String? = nil) throws -> HTTPClient.Response {
        try s.post("password/reset/confirm/",
                   #"{"new_password1": "\#(p1)", "new_password2": "\#(p2 ?? p1)", "uid": "\#(uid)", "token": "\#(token)"}"#)
    }

    /// The uid and token of a reset mail's link.
    static func link(_ mail: Mailbox.Message) -> (uid: String, token: String)? {
        guard let start = mail.raw.range(of: "https://app.example.com/base/reset-password?uid=") else { return nil }
        let line = mail.raw[start.upperBound...].prefix { !$0.isNewline }
        let parts = line.components(separatedBy: "&token=")
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    @Test func aChangeEndsEverySessionAndTheNewPasswordLogsIn() throws {
        let s = try Stack(settings: Self.frontend)
        defer { s.stop() }
        try s.createUser("cora")
        let old = try #require(Self.tokens(try s.login("cora")))
        let anonymous = try s.post("password/change/", #"{"new_password1": "a", "new_password2": "a"}"#)
        #expect(anonymous.status == 401)
        #expect(anonymous.text == #"{"detail":"Authentication credentials were not provided."}"#)
        #expect(anonymous.header("WWW-Authenticate") == #"Bearer realm="api""#)
        #expect(try s.http.send("OPTIONS", "password/change/").status == 401, "authentication comes first")
        #expect(try s.post("password/change/", "{}", token: old.access).text
                == #"{"new_password1":["This field is required."],"new_password2":["This field is required."]}"#)
        #expect(try s.post("password/change/", #"{"new_password1": "", "new_password2": " "}"#, token: old.access).text
                == #"{"new_password1":["This field may not be blank."],"new_password2":["This field may not be blank."]}"#)
        let mismatched = try s.post("password/change/", #"{"new_password1": "Changed-Pass-1", "new_password2": "Changed-Pass-2"}"#,
                                    token: old.access)
        #expect(mismatched.status == 400)
        #expect(mismatched.text == Self.mismatch)
        let long = String(repeating: "x", count: 129)
        #expect(try s.post("password/change/", #"{"new_password1": "\#(long)", "new_password2": "\#(long)"}"#, token: old.access).text
                == #"{"new_password1":["Ensure this field has no more than 128 characters."],"new_password2":["Ensure this field has no more than 128 characters."]}"#)
        let options = try s.http.send("OPTIONS", "password/change", headers: [("Authorization", "Bearer \(old.access)")])
        #expect(options.text == #"{"name":"Password Change","description":"Password change view for authenticated users.\n\nAllows authenticated users to change their password.","renders":["application/json"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"actions":{"POST":{"new_password1":{"type":"string","required":true,"read_only":false,"label":"New password1","max_length":128},"new_password2":{"type":"string","required":true,"read_only":false,"label":"New password2","max_length":128},"detail":{"type":"string","required":false,"read_only":true,"label":"Detail"}}}}"#)
        let get = try s.http.get("password/change/", headers: [("Authorization", "Bearer \(old.access)")])
        #expect(get.status == 405 && get.header("Allow") == "POST, OPTIONS")

        // Tokens are dated to the second: the change must come a second later to void them.
        Thread.sleep(forTimeInterval: 1.1)
        let changed = try s.post("password/change", #"{"old_password": "wrong-old", "new_password1": "Changed-Pass-1", "new_password2": "Changed-Pass-1"}"#,
                                 token: old.access)
        #expect(changed.status == 200)
        #expect(changed.text == #"{"detail":"New password has been saved."}"#)
        #expect(changed.headers(named: "Set-Cookie").isEmpty, "no tokens: the client logs in again")
        // Unlike the reference: every earlier session has ended.
        #expect(try refresh(s, old.refresh).status == 401)
        #expect(try s.get("user/", token: old.access).status == 401)
        #expect(try s.login("cora").status == 400, "the old password no longer works")
        let fresh = try #require(Self.tokens(try s.login("cora", "Changed-Pass-1")))
        #expect(try refresh(s, fresh.refresh).status == 200)
        #expect(try s.get("user/", token: fresh.access).status == 200)
        // With no validators (the reference's default) anything goes; form bodies work too.
        let form = try s.http.send("POST", "password/change/", headers: [("Authorization", "Bearer \(fresh.access)"),
                                   ("Content-Type", "application/x-www-form-urlencoded")], body: Array("new_password1=abc&new_password2=abc".utf8))
        #expect(form.status == 200)
        #expect(try s.login("cora", "abc").status == 200)
        // Not in the reference: the owner hears of each change (a security notice).
        #expect(s.mailbox.message(1, to: "cora@example.com")?.header("Subject") == "Your password was changed")
        #expect(try s.mailbox.settledCount(to: "cora@example.com") == 2)
    }

    @Test func theOldPasswordFieldWhenEnabled() throws {
        let s = try Stack(settings: ["AUTHKIT_OLD_PASSWORD_FIELD_ENABLED": "true", "AUTHKIT_PASSWORD_VALIDATORS": "none"])
        defer { s.stop() }
        try s.createUser("olaf")
        let access = try s.accessToken("olaf")
        #expect(try s.post("password/change/", "{}", token: access).text
                == #"{"old_password":["This field is required."],"new_password1":["This field is required."],"new_password2":["This field is required."]}"#)
        #expect(try s.post("password/change/", #"{"new_password1": "a", "new_password2": "a"}"#, token: access).text
                == #"{"old_password":["This field is required."]}"#)
        #expect(try s.post("password/change/", #"{"old_password": "wrong", "new_password1": "a", "new_password2": "b"}"#, token: access).text
                == #"{"old_password":["Your old password was entered incorrectly. Please enter it again."]}"#)
        #expect(try s.post("password/change/", #"{"old_password": "S3cret-pass!", "new_password1": "123", "new_password2": "124"}"#,
                           token: access).text == Self.mismatch)
        let options = try s.http.send("OPTIONS", "password/change/", headers: [("Authorization", "Bearer \(access)")])
        #expect(options.text.contains(#""POST":{"old_password":{"type":"string","required":true,"read_only":false,"label":"Old password","max_length":128},"#))
        #expect(try s.post("password/change/", #"{"old_password": "S3cret-pass!", "new_password1": "Good-Pass-9", "new_password2": "Good-Pass-9"}"#,
                           token: access).status == 200)
        #expect(try s.login("olaf", "Good-Pass-9").status == 200)
    }

    /// Same answer for every address; a mail only for active accounts, to the stored address,
    /// with subject, text and link from the settings — a forged Host changes nothing.
    @Test func aResetRequestRevealsNothingAndMailsFromSettings() throws {
        let s = try Stack(settings: Self.frontend)
        defer { s.stop() }
        let bob = try s.createUser("Acct_Bob", email: "acct_bob@example.com")
        try s.createUser("ina", email: "ina@example.com")
        try s.cli(["user", "deactivate", "ina"])
        var answers: [HTTPClient.Response] = []
        for address in ["acct_bob@example.com", "nobody@example.com", "ina@example.com"] { answers.append(try reset(s, address)) }
        answers.append(try reset(s, "ACCT_BOB@EXAMPLE.COM", headers: [("Host", "evil.example"), ("X-Forwarded-Host", "evil.example")]))
        for r in answers {
            #expect(r.status == 200)
            #expect(r.text == Self.sent)
            #expect(r.header("Content-Type") == "application/json" && r.header("Allow") == "POST, OPTIONS")
        }
        let first = try #require(s.mailbox.message(0, to: "acct_bob@example.com"))
        let second = try #require(s.mailbox.message(1, to: "acct_bob@example.com"), "case-insensitive lookup")
        #expect(try s.mailbox.settledCount(to: "ina@example.com") == 0, "inactive: no mail")
        #expect(s.mailbox.messages(to: "nobody@example.com").isEmpty && s.mailbox.messages(to: "ACCT_BOB@EXAMPLE.COM").isEmpty)
        #expect(s.mailbox.messages().count == 2)
        for mail in [first, second] {
            #expect(mail.header("Subject") == "[app.example.com] Password Reset Email")
            #expect(!mail.raw.contains("evil.example") && !mail.raw.contains("127.0.0.1"))
            let link = try #require(Self.link(mail))
            #expect(link.uid == String(bob, radix: 36))
            let url = "https://app.example.com/base/reset-password?uid=\(link.uid)&token=\(link.token)"
            let lines: [String] = [
                "Hello from app.example.com!", "",
                "You're receiving this email because you or someone else has requested a password reset for your user account.",
                "It can be safely ignored if you did not request a password reset. Click the link below to reset your password.", "",
                url, "", "In case you forgot, your username is Acct_Bob.", "", "Thank you for using app.example.com!",
                "app.example.com", "",
            ]
            let text: String = lines.joined(separator: "\r\n")
            #expect(mail.raw.contains(text))
        }
        #expect(try reset(s, "nope").text == #"{"email":["Enter a valid email address."]}"#)
        #expect(try reset(s, "").text == #"{"email":["This field may not be blank."]}"#)
        #expect(try s.http.get("password/reset/").text == #"{"detail":"Method \"GET\" not allowed."}"#)
        #expect(try s.http.send("OPTIONS", "password/reset/").text.hasPrefix(#"{"name":"Password Reset","description":"Password reset request view."#))
    }

    @Test func theMailedLinkResetsThePasswordOnceAndEndsSessions() throws {
        let s = try Stack(settings: Self.frontend)
        defer { s.stop() }
        try s.createUser("rita")
        try s.createUser("other")
        let old = try #require(Self.tokens(try s.login("rita")))
        #expect(try reset(s, "rita@example.com").status == 200)
        #expect(try reset(s, "rita@example.com").status == 200)
        #expect(try reset(s, "other@example.com").status == 200)
        let link = try #require(s.mailbox.message(0, to: "rita@example.com").flatMap(Self.link))
        let earlier = try #require(s.mailbox.message(1, to: "rita@example.com").flatMap(Self.link))
        let others = try #require(s.mailbox.message(0, to: "other@example.com").flatMap(Self.link))

        // The reference's check order: uid, then token, then the two passwords.
        #expect(try confirm(s, uid: "zzzz", token: "garbage", "abc", "abd").text == #"{"uid":["Invalid value"]}"#)
        #expect(try confirm(s, uid: "!!", token: link.token).text == #"{"uid":["Invalid value"]}"#)
        #expect(try confirm(s, uid: link.uid, token: "garbage", "abc", "abd").text == #"{"token":["Invalid value"]}"#)
        #expect(try confirm(s, uid: link.uid, token: others.token).text == #"{"token":["Invalid value"]}"#)
        #expect(try confirm(s, uid: link.uid, token: link.token.uppercased()).text == #"{"token":["Invalid value"]}"#)
        #expect(try confirm(s, uid: link.uid, token: link.token, "New-Pass-4321", "New-Pass-4322").text == Self.mismatch)
        #expect(try s.post("password/reset/confirm/", #"{"new_password2": "x"}"#).text
                == #"{"new_password1":["This field is required."],"uid":["This field is required."],"token":["This field is required."]}"#)

        Thread.sleep(forTimeInterval: 1.1)
        let done = try confirm(s, uid: link.uid.uppercased(), token: " \(link.token) ")
        #expect(done.status == 200)
        #expect(done.text == #"{"detail":"Password has been reset with the new password."}"#)
        #expect(done.headers(named: "Set-Cookie").isEmpty)
        #expect(try confirm(s, uid: link.uid, token: link.token).text == #"{"token":["Invalid value"]}"#, "used")
        #expect(try confirm(s, uid: earlier.uid, token: earlier.token).text == #"{"token":["Invalid value"]}"#,
                "every outstanding token died with the old hash")
        // Unlike the reference: the sessions from before the reset have ended.
        #expect(try refresh(s, old.refresh).status == 401)
        #expect(try s.get("user/", token: old.access).status == 401)
        #expect(try s.login("rita").status == 400)
        #expect(try s.login("rita", "N3w-Pass-4321").status == 200)
        #expect(s.mailbox.message(2, to: "rita@example.com")?.header("Subject") == "Your password was changed")

        // Any login voids outstanding tokens (last_login is part of them).
        #expect(try reset(s, "other@example.com").status == 200)
        _ = others
        let fresh = try #require(s.mailbox.message(1, to: "other@example.com").flatMap(Self.link))
        Thread.sleep(forTimeInterval: 1.1)
        #expect(try s.login("other").status == 200)
        #expect(try confirm(s, uid: fresh.uid, token: fresh.token).text == #"{"token":["Invalid value"]}"#)
        #expect(try s.login("other").status == 200, "the password is unchanged")
    }

    /// 429 per client network; per address the same 200, but no further mail.
    @Test func resetRequestsAreRateLimited() throws {
        let s = try Stack(settings: Self.frontend.merging(["AUTHKIT_THROTTLE_RATES": "password_reset=5/hour,password_reset_address=2/hour"]) { $1 })
        defer { s.stop() }
        try s.createUser("lim")
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try reset(s, "lim@example.com").status) }
        statuses.append(try reset(s, "someone@example.com").status)
        let limited = try reset(s, "lim@example.com")
        statuses.append(limited.status)
        #expect(statuses == [200, 200, 200, 200, 200, 429])
        #expect(limited.text.hasPrefix(#"{"detail":"Request was throttled. Expected available in "#))
        #expect(try s.mailbox.settledCount(to: "lim@example.com") == 2, "two mails per address and hour")
        #expect(s.app.log().contains("password reset mail not sent: per-address rate limit"))
        #expect(!s.app.log().contains("lim@example.com"), "addresses are not logged")
    }

    /// AUTHKIT_PASSWORD_VALIDATORS on both routes, after the mismatch check, every message at
    /// once under new_password2, as the reference's validator variant (without `common`, which
    /// cracklib answers here, not Django's list: PasswordPolicyTests cover it).
    @Test func thePasswordPolicyAppliesToChangeAndConfirm() throws {
        let s = try Stack(settings: ["AUTHKIT_FRONTEND_BASE_URL": "https://app.example.com/base/",
                                     "AUTHKIT_PASSWORD_RESET_CONFIRM_PATH": "/reset-password",
                                     "AUTHKIT_PASSWORD_VALIDATORS": "similarity,length,numeric"])
        defer { s.stop() }
        try s.createUser("acct_v4", email: "acct_v4@example.com")
        let access = try s.accessToken("acct_v4")
        func change(_ p1: String, _ p2: String? = nil) throws -> String {
            try s.post("password/change/", #"{"new_password1": "\#(p1)", "new_password2": "\#(p2 ?? p1)"}"#, token: access).text
        }
        let numeric = try change("1234")
        #expect(numeric == #"{"new_password2":["This password is too short. It must contain at least 8 characters.","This password is entirely numeric."]}"#)
        #expect(try change("acct_v4xx") == #"{"new_password2":["The password is too similar to the username."]}"#)
        #expect(try change("acct_v4@example") == #"{"new_password2":["The password is too similar to the email address."]}"#)
        #expect(try change("123", "124") == Self.mismatch, "the mismatch wins over the validators")
        #expect(try reset(s, "acct_v4@example.com").status == 200)
        let link = try #require(s.mailbox.message(0, to: "acct_v4@example.com").flatMap(Self.link))
        let similar = try confirm(s, uid: link.uid, token: link.token, "acct_v4").text
        #expect(similar == #"{"new_password2":["The password is too similar to the username.","This password is too short. It must contain at least 8 characters."]}"#)
        #expect(try confirm(s, uid: link.uid, token: link.token, "Quartz-Lemur-4817").status == 200)
    }

    @Test func withoutAFrontendBaseURLNoMailIsSent() throws {
        let s = try Stack()
        defer { s.stop() }
        try s.createUser("nell")
        let r = try reset(s, "nell@example.com")
        #expect(r.status == 200 && r.text == Self.sent)
        #expect(try s.mailbox.settledCount(to: "nell@example.com") == 0)
        #expect(s.app.log().contains("AUTHKIT_FRONTEND_BASE_URL is not set"))
    }
}
