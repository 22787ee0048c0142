import AuthKit
import Foundation
import Testing
import TestSupport

/// registration/, registration/verify-email/ and registration/resend-email/ through nginx
/// (issue 14): the reference's statuses and bodies (byte for byte from the recorded
/// transcripts), the confirmation mail with its link from the settings (never Host), keys that
/// work once, rate limits that reveal nothing.
@Suite struct RegistrationRouteTests {
    static let frontend = ["AUTHKIT_FRONTEND_BASE_URL": "https://app.example.com/base/",
                           "AUTHKIT_REGISTER_EMAIL_CONFIRM_PATH": "/verify-email", "AUTHKIT_PASSWORD_VALIDATORS": "none"]
    static let ok = #"{"detail":"ok"}"#
    static let notFound = #"{"detail":"Not found."}"#

    /// One recorded exchange of docs/contract/account-transcripts.json: request body, status,
    /// response body.
    struct Exchange {
        let request: String
        let status: Int
        let response: String
    }

    static let transcripts: [String: Exchange] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/contract/account-transcripts.json")
        guard let data = try? Data(contentsOf: url),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [:] }
        var out: [String: Exchange] = [:]
        for entry in list {
            guard let name = entry["name"] as? String, let request = entry["request"] as? [String: Any],
                  let response = entry["response"] as? [String: Any], let status = response["status"] as? Int else { continue }
            out[name] = Exchange(request: request["body"] as? String ?? "", status: status,
                                 response: response["body"] as? String ?? "")
        }
        return out
    }()

    /// Sends a recorded request and expects the recorded status and body, byte for byte.
    func replay(_ s: Stack, _ path: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let exchange = Self.transcripts[name] else {
            Issue.record("no transcript named \(name)", sourceLocation: sourceLocation)
            return
        }
        let r = try s.http.post(path, json: exchange.request)
        #expect(r.status == exchange.status, "\(name)", sourceLocation: sourceLocation)
        #expect(r.text == exchange.response, "\(name)", sourceLocation: sourceLocation)
    }

    func register(_ s: Stack, _ username: String, _ email: String, _ p1: String = "Correct-Horse-91", _ p2: String? = nil,
                  headers: [(String, String)] = []) throws -> HTTPClient.Response {
        try s.http.post("registration/", json: #"{"username": "\#(username)", "email": "\#(email)", "password1": "\#(p1)", "password2": "\#(p2 ?? p1)"}"#,
                        headers: headers)
    }

    func verify(_ s: Stack, _ key: String) throws -> HTTPClient.Response {
        try s.http.post("registration/verify-email/", json: #"{"key": "\#(key)"}"#)
    }

    func resend(_ s: Stack, _ email: String) throws -> HTTPClient.Response {
        try s.http.post("registration/resend-email/", json: #"{"email": "\#(email)"}"#)
    }

    /// The key of a confirmation mail's link, still form-urlencoded as the link carries it.
    static func key(_ mail: Mailbox.Message) -> String? {
        guard let start = mail.raw.range(of: "https://app.example.com/base/verify-email?key=") else { return nil }
        return String(mail.raw[start.upperBound...].prefix { !$0.isNewline })
    }

    @Test func signUpMailsAKeyThatConfirmsOnce() throws {
        let s = try Stack(settings: Self.frontend)
        defer { s.stop() }
        let created = try register(s, "  Acct_Bob ", " Acct_Bob@Example.COM ",
                                   headers: [("Host", "evil.example"), ("X-Forwarded-Host", "evil.example")])
        #expect(created.status == 201)
        #expect(created.text == #"{"detail":"Successfully registered."}"#)
        #expect(created.headers(named: "Set-Cookie").isEmpty, "no session cookie, no tokens")
        #expect(created.header("Allow") == "POST, OPTIONS")
        #expect(try s.psql("SELECT username || '|' || email || '|' || (email_verified_at IS NULL) || '|' || is_active FROM users")
                == "Acct_Bob|acct_bob@example.com|true|true")
        #expect(try s.psql("SELECT password LIKE 'pbkdf2_sha256$%' FROM users") == "t")

        let mail = try #require(s.mailbox.message(0, to: "acct_bob@example.com"))
        #expect(mail.header("Subject") == "[app.example.com] Please Confirm Your Email Address")
        #expect(!mail.raw.contains("evil.example") && !mail.raw.contains("127.0.0.1"), "never from Host")
        let encoded = try #require(Self.key(mail))
        #expect(encoded.contains("%3A") && !encoded.contains(":"))
        let lines = ["Hello from app.example.com!", "",
                     "You're receiving this email because user Acct_Bob has given your email address to register an account on app.example.com.",
                     "", "To confirm this is correct, go to https://app.example.com/base/verify-email?key=\(encoded)", "",
                     "Thank you for using app.example.com!", "app.example.com", ""]
        #expect(mail.raw.contains(lines.joined(separator: "\r\n")))

        // Login before confirming is allowed (allauth's "optional").
        #expect(try s.login("Acct_Bob", "Correct-Horse-91").status == 200)

        let key = encoded.replacingOccurrences(of: "%3A", with: ":")
        let parts = key.split(separator: ":")
        #expect(parts.count == 3 && parts[2].count == 43)
        let done = try verify(s, key)
        #expect(done.status == 200 && done.text == Self.ok)
        #expect(done.header("Allow") == "GET, POST, HEAD, OPTIONS")
        #expect(done.headers(named: "Set-Cookie").isEmpty, "no messages cookie")
        #expect(try s.psql("SELECT email_verified_at IS NOT NULL FROM users") == "t")
        let again = try verify(s, key)
        #expect(again.status == 404 && again.text == Self.notFound)
        #expect(again.header("Allow") == "GET, POST, HEAD, OPTIONS")
        #expect(try verify(s, encoded).status == 404, "the percent-encoded form too, once confirmed")
        #expect(try s.mailbox.settledCount(to: "acct_bob@example.com") == 1)
    }

    @Test func thePercentEncodedKeyAndEarlierKeysWork() throws {
        let s = try Stack(settings: Self.frontend)
        defer { s.stop() }
        #expect(try register(s, "enc", "enc@example.com").status == 201)
        let first = try #require(s.mailbox.message(0, to: "enc@example.com").flatMap(Self.key))
        Thread.sleep(forTimeInterval: 1.1)
        #expect(try resend(s, "enc@example.com").text == Self.ok)
        let second = try #require(s.mailbox.message(1, to: "enc@example.com").flatMap(Self.key))
        #expect(first != second)
        var tampered = Array(first)
        tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
        #expect(try verify(s, String(tampered)).text == Self.notFound)
        #expect(try verify(s, first).status == 200, "an older key, sent before a resend, as it appears in the link")
        #expect(try verify(s, second).status == 404, "every key dies once the address is confirmed")
    }

    @Test func errorBodiesAreTheReferences() throws {
        let s = try Stack(settings: Self.frontend)
        defer { s.stop() }
        try replay(s, "registration/", "s1_register: register ok (json)")
        for name in ["s3_register_errors: missing all fields", "s3_register_errors: blank all fields",
                     "s3_register_errors: null fields", "s3_register_errors: duplicate username",
                     "s3_register_errors: duplicate username different case", "s3_register_errors: duplicate email",
                     "s3_register_errors: duplicate username and email", "s3_register_errors: password mismatch",
                     "s3_register_errors: invalid email", "s3_register_errors: invalid username chars",
                     "s3_register_errors: username 151 chars", "s3_register_errors: password too short 'abc'",
                     "s3_register_errors: password mismatch and short",
                     "s3_register_errors: dup username + dup email + mismatch + bad",
                     "s3_register_errors: invalid email + mismatch"] {
            try replay(s, "registration/", name)
        }
        // The reference answers a 500 here (and creates the user anyway): the ordinary 400.
        let caseDifferent = try register(s, "acct_other", "ACCT_Alice@Example.COM")
        #expect(caseDifferent.status == 400)
        #expect(caseDifferent.text == #"{"email":["A user is already registered with this e-mail address."]}"#)
        #expect(try s.psql("SELECT count(*) FROM users") == "1")
        for name in ["s2_verify_login: verify-email bad key", "s2_verify_login: verify-email empty key",
                     "s2_verify_login: verify-email missing key", "s2_verify_login: verify-email tampered key (last char changed)"] {
            try replay(s, "registration/verify-email/", name)
        }
        for name in ["s6_resend: resend invalid email", "s6_resend: resend blank", "s6_resend: resend missing",
                     "s6_resend: resend for unknown address"] {
            try replay(s, "registration/resend-email/", name)
        }
        // A number is a string here (the reference 500s): an unknown key.
        #expect(try s.http.post("registration/verify-email/", json: #"{"key": 123}"#).text == Self.notFound)
        let get = try s.http.get("registration/verify-email/?key=abc")
        #expect(get.status == 405 && get.text == #"{"detail":"Method \"GET\" not allowed."}"#)
        #expect(get.header("Allow") == "GET, POST, HEAD, OPTIONS")
        let head = try s.http.send("HEAD", "registration/verify-email")
        #expect(head.status == 405 && head.body.isEmpty && head.header("Allow") == "GET, POST, HEAD, OPTIONS")
        #expect(try s.http.send("PUT", "registration/verify-email/").text == #"{"detail":"Method \"PUT\" not allowed."}"#)
        let getRegister = try s.http.get("registration")
        #expect(getRegister.status == 405 && getRegister.header("Allow") == "POST, OPTIONS")
        #expect(try s.http.send("OPTIONS", "registration/").text == #"{"name":"Register","description":"User Registration\n\nCreate new user accounts with email verification.\nUsers must verify their email address before the account is fully activated.","renders":["application/json"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"actions":{"POST":{"username":{"type":"string","required":true,"read_only":false,"label":"Username"},"email":{"type":"email","required":true,"read_only":false,"label":"Email"},"password1":{"type":"string","required":true,"read_only":false,"label":"Password1"},"password2":{"type":"string","required":true,"read_only":false,"label":"Password2"},"detail":{"type":"string","required":false,"read_only":true,"label":"Detail"},"first_name":{"type":"string","required":false,"read_only":false,"label":"First name"},"last_name":{"type":"string","required":false,"read_only":false,"label":"Last name"}}}}"#)
        let options = try s.http.send("OPTIONS", "registration/verify-email/")
        #expect(options.text.hasPrefix(#"{"name":"Verify Email","#) && options.header("Allow") == "GET, POST, HEAD, OPTIONS")
        #expect(try s.http.send("OPTIONS", "registration/resend-email").text.hasPrefix(#"{"name":"Resend Email Verification","#))
    }

    @Test func fieldsAreStoredAsTheReferenceStoresThem() throws {
        let s = try Stack(settings: Self.frontend)
        defer { s.stop() }
        let long = String(repeating: "n", count: 151)
        let r = try s.http.post("registration", json: #"{"username": "acct_jürgen", "email": "j@example.com", "password1": 12345678, "password2": "12345678", "first_name": "\#(long)", "last_name": "Builder", "is_staff": true}"#)
        #expect(r.status == 201)
        #expect(try s.psql("SELECT char_length(first_name) || '|' || last_name FROM users") == "150|Builder")
        #expect(try s.login("acct_jürgen", "12345678").status == 200)
        let form = try s.http.send("POST", "registration/", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                   body: Array("username=&email=x".utf8))
        #expect(form.text == #"{"username":["This field may not be blank."],"email":["Enter a valid email address."],"password1":["This field is required."],"password2":["This field is required."]}"#)
        #expect(try register(s, "sp", "sp@example.com", "      ").text
                == #"{"password1":["This field may not be blank."],"password2":["This field may not be blank."]}"#)
    }

    /// With validators, the policy's messages under password1, all at once, hiding a mismatch.
    @Test func thePasswordPolicyAppliesAtSignUp() throws {
        let s = try Stack(settings: ["AUTHKIT_FRONTEND_BASE_URL": "https://app.example.com",
                                     "AUTHKIT_PASSWORD_VALIDATORS": "similarity,length,numeric"])
        defer { s.stop() }
        #expect(try register(s, "v1", "v1@example.com", "1234").text
                == #"{"password1":["This password is too short. It must contain at least 8 characters.","This password is entirely numeric."]}"#)
        #expect(try register(s, "v1", "v1@example.com", "8412937465", "8412937466").text
                == #"{"password1":["This password is entirely numeric."]}"#)
        #expect(try register(s, "v1", "v1@example.com", "Zebra-Quartz-88", "Zebra-Quartz-89").text
                == #"{"non_field_errors":["The two password fields didn't match."]}"#)
        #expect(try register(s, "acct_v4", "acct_v4@example.com", "acct_v4_x").status == 201, "no similarity check yet")
        // Default path under the API's mount point.
        let mail = try #require(s.mailbox.message(0, to: "acct_v4@example.com"))
        #expect(mail.raw.contains("go to https://app.example.com/api/auth/registration/verify-email?key="))
    }

    @Test func resendMailsOnlyUnconfirmedExactAddresses() throws {
        let s = try Stack(settings: Self.frontend)
        defer { s.stop() }
        #expect(try register(s, "num", "num@example.com").status == 201)
        #expect(try register(s, "done", "done@example.com").status == 201)
        try s.createUser("ina", email: "ina@example.com")
        try s.cli(["user", "deactivate", "ina"])
        let doneKey = try #require(s.mailbox.message(0, to: "done@example.com").flatMap(Self.key))
        #expect(try verify(s, doneKey).status == 200)
        for address in ["num@example.com", "NUM@Example.com", "done@example.com", "nobody@example.com", "ina@example.com"] {
            let r = try resend(s, address)
            #expect(r.status == 200 && r.text == Self.ok, "\(address)")
        }
        #expect(s.mailbox.message(1, to: "num@example.com") != nil)
        #expect(s.mailbox.message(0, to: "ina@example.com") != nil, "an inactive user's unconfirmed address, as recorded")
        #expect(try s.mailbox.settledCount(to: "done@example.com") == 1, "confirmed: no further mail")
        #expect(try s.mailbox.settledCount(to: "num@example.com") == 2, "other case: no mail")
        #expect(s.mailbox.messages(to: "nobody@example.com").isEmpty && s.mailbox.messages(to: "NUM@Example.com").isEmpty)
        #expect(try s.http.get("registration/resend-email/").status == 405)
    }

    /// 429 per client network on sign-up and resend; per address the same 200, no further mail.
    @Test func signUpAndResendAreRateLimited() throws {
        let s = try Stack(settings: Self.frontend.merging(
            ["AUTHKIT_THROTTLE_RATES": "registration=6/hour,registration_address=2/hour"]) { $1 })
        defer { s.stop() }
        #expect(try register(s, "lim", "lim@example.com").status == 201)
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try resend(s, "lim@example.com").status) }
        statuses.append(try register(s, "lim2", "lim2@example.com").status)
        let limited = try register(s, "lim3", "lim3@example.com")
        statuses.append(limited.status)
        #expect(statuses == [200, 200, 200, 200, 201, 429])
        #expect(limited.text.hasPrefix(#"{"detail":"Request was throttled. Expected available in "#))
        #expect(try resend(s, "lim2@example.com").status == 429)
        #expect(try s.mailbox.settledCount(to: "lim@example.com") == 3, "the sign-up mail and two re-sends")
        #expect(s.app.log().contains("confirmation mail not sent: per-address rate limit"))
        #expect(!s.app.log().contains("lim@example.com"), "addresses are not logged")
        #expect(try s.psql("SELECT count(*) FROM users") == "2")
    }

    @Test func withoutAFrontendBaseURLNoMailIsSent() throws {
        let s = try Stack()
        defer { s.stop() }
        #expect(try register(s, "nell", "nell@example.com").status == 201)
        #expect(try resend(s, "nell@example.com").text == Self.ok)
        #expect(try s.mailbox.settledCount(to: "nell@example.com") == 0)
        #expect(s.app.log().contains("AUTHKIT_FRONTEND_BASE_URL is not set"))
    }
}
