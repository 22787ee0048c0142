import AuthKit
import Foundation
import Testing
import TestSupport

/// The account lifecycle in one story, through nginx, each answer compared with the exchange
/// recorded from drf-auth-kit 1.8.1 (docs/contract/account-transcripts.json) where the two
/// must agree: sign up → confirm by the mailed key → log in → change the password (the old
/// refresh token and a pending second step die) → forgot password → reset by the mailed token
/// (which then no longer works) → log out everywhere.
@Suite struct AccountLifecycleStoryTests {
    /// The recorded response bodies, by exchange name.
    static let recorded: [String: String] = {
        let url = Paths.root.appendingPathComponent("docs/contract/account-transcripts.json")
        guard let data = try? Data(contentsOf: url),
              let entries = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [:] }
        var bodies: [String: String] = [:]
        for entry in entries {
            guard let name = entry["name"] as? String, let response = entry["response"] as? [String: Any] else { continue }
            if let body = response["body"] as? String { bodies[name] = body }
        }
        return bodies
    }()

    static func recorded(_ name: String) throws -> String {
        try #require(recorded[name], "no recorded exchange \(name)")
    }

    static let settings = ["AUTHKIT_FRONTEND_BASE_URL": "https://app.example.com/", "AUTHKIT_PASSWORD_VALIDATORS": "none",
                           "AUTHKIT_MFA_TOTP_DEFAULT_VALID_WINDOW": "1"]

    /// The value of `name` in the first link of the newest mail to `to` that has one.
    static func linkParameter(_ s: Stack, to: String, _ name: String, after count: Int) throws -> String {
        #expect(Paths.waitFor(seconds: 15) { s.mailbox.messages(to: to).count > count })
        let mail = try #require(s.mailbox.messages(to: to).last)
        let text = mail.raw.replacingOccurrences(of: "=\r\n", with: "")
        let marker = name + "="
        let start = try #require(text.range(of: marker))
        let value = text[start.upperBound...].prefix { !$0.isWhitespace && $0 != "&" && $0 != "\"" && $0 != "<" }
        return String(value).removingPercentEncoding ?? String(value)
    }

    @Test func signUpConfirmChangeResetAndLogOutEverywhere() throws {
        let s = try Stack(settings: Self.settings)
        defer { s.stop() }
        let email = "story@example.com"
        // Sign up, as recorded.
        let registered = try s.http.post("registration/", json: #"{"username": "story", "email": "\#(email)", "password1": "Correct-Horse-91", "password2": "Correct-Horse-91"}"#)
        #expect(registered.status == 201)
        #expect(registered.text == (try Self.recorded("s1_register: register ok (json)")))
        // Confirm with the mailed key; a second use is refused, as recorded.
        let key = try Self.linkParameter(s, to: email, "key", after: 0)
        let verified = try s.http.post("registration/verify-email/", json: #"{"key": "\#(key)"}"#)
        #expect(verified.status == 200)
        // (The recorded "verify-email ok" exchange itself went to an already used key: the
        // success body is the one docs/contract/account.md §2 gives.)
        #expect(verified.text == #"{"detail":"ok"}"#)
        let again = try s.http.post("registration/verify-email/", json: #"{"key": "\#(key)"}"#)
        #expect(again.status == 404)
        #expect(again.text == (try Self.recorded("s2_verify_login: verify-email same key again (reuse)")))
        // Log in; add an app method; a second step left pending.
        #expect(try s.login("story", "Correct-Horse-91").status == 200)
        try s.cli(["user", "set-password", "story", "--password-stdin"], stdin: "S3cret-pass!\n")  // Enrollment's password
        let u = try Enrollment.app(s, "story", existing: true)
        let first = try s.login("story")
        let pending = try #require(first.string("ephemeral_token"))
        let done = try s.post("login/verify/", #"{"ephemeral_token": "\#(pending)", "code": "\#(u.phone.nextCode())"}"#)
        let oldRefresh = try #require(done.cookie("auth-refresh-jwt"))
        let access = try #require(done.string("access"))
        let stillPending = try #require(try s.login("story").string("ephemeral_token"))
        // Change the password a second after those tokens: the old ones die.
        Thread.sleep(forTimeInterval: 1.1)
        let changed = try s.http.post("password/change/", json: #"{"new_password1": "Changed-Pass-1", "new_password2": "Changed-Pass-1"}"#,
                                      headers: [("Authorization", "Bearer \(access)")])
        #expect(changed.text == #"{"detail":"New password has been saved."}"#)
        #expect(try s.http.post("token/refresh/", json: #"{"refresh": "\#(oldRefresh)"}"#).status == 401)
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(stillPending)", "code": "\#(u.phone.nextCode())"}"#).text
                == #"{"non_field_errors":["Invalid token"]}"#)
        // Forgot password: the mailed token resets it once.
        let before = s.mailbox.messages(to: email).count
        #expect(try s.http.post("password/reset/", json: #"{"email": "\#(email)"}"#).text
                == #"{"detail":"Password reset e-mail has been sent."}"#)
        let uid = try Self.linkParameter(s, to: email, "uid", after: before)
        let token = try Self.linkParameter(s, to: email, "token", after: before)
        let confirm = #"{"new_password1": "Reset-Pass-77", "new_password2": "Reset-Pass-77", "uid": "\#(uid)", "token": "\#(token)"}"#
        let reset = try s.http.post("password/reset/confirm/", json: confirm)
        #expect(reset.text == (try Self.recorded("s9_reset_confirm_flow: confirm short password (valid uid/token)")))
        let reused = try s.http.post("password/reset/confirm/", json: confirm)
        #expect(reused.status == 400)
        #expect(reused.text == (try Self.recorded("s9_reset_confirm_flow: confirm reuse same token")))
        // Log in with the reset password, then out everywhere.
        let ephemeral = try #require(try s.login("story", "Reset-Pass-77").string("ephemeral_token"))
        let session = try s.post("login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "\#(u.phone.nextCode())"}"#)
        let refresh = try #require(session.cookie("auth-refresh-jwt"))
        let bearer = try #require(session.string("access"))
        Thread.sleep(forTimeInterval: 1.1)
        #expect(try s.http.post("logout/all/", json: "{}", headers: [("Authorization", "Bearer \(bearer)")]).status == 200)
        #expect(try s.http.post("token/refresh/", json: #"{"refresh": "\#(refresh)"}"#).status == 401)
    }
}
