import AuthKit
import Foundation
import Synchronization
import Testing
import TestSupport

/// Helpers shared by the variant suites.
struct Enrollment {
    let stack: Stack
    let token: String
    let phone: Phone
    let backupCodes: [String]

    /// A user with an active primary app method.
    /// `existing`: the account is there already (made through the API, with the stack's usual password).
    static func app(_ stack: Stack, _ username: String, window: Int64 = 1, existing: Bool = false) throws -> Enrollment {
        if !existing { try stack.createUser(username) }
        let token = try stack.accessToken(username)
        let created = try stack.post("mfa/", #"{"method": "app"}"#, token: token)
        guard case .string(let qr)? = created.object("setup_data")?["qr_link"] else { throw CommandFailure(command: "create", status: 1, output: created.text) }
        let phone = Phone(qrLink: qr, window: window)
        let confirmed = try stack.post("mfa/confirm/", #"{"method": "app", "code": "\#(phone.nextCode())"}"#, token: token)
        guard confirmed.status == 200 else { throw CommandFailure(command: "confirm", status: 1, output: confirmed.text) }
        return Enrollment(stack: stack, token: token, phone: phone, backupCodes: created.strings("backup_codes"))
    }

    /// Adds and confirms the email method with its mailed code; returns its backup codes.
    @discardableResult
    func addEmail(_ username: String) throws -> [String] {
        let before = stack.mailbox.messages(to: "\(username)@example.com").count
        let created = try stack.post("mfa/", #"{"method": "email"}"#, token: token)
        guard let code = stack.mailbox.message(before, to: "\(username)@example.com")?.code,
              try stack.post("mfa/confirm/", #"{"method": "email", "code": "\#(code)"}"#, token: token).status == 200
        else { throw CommandFailure(command: "email confirm", status: 1, output: created.text) }
        return created.strings("backup_codes")
    }
}

/// TRANSCRIPTS.md §16: MFA_PREVENT_DELETE_PRIMARY_METHOD + MFA_DELETE_ACTIVE_METHOD_REQUIRE_CODE +
/// MFA_UPDATE_PRIMARY_METHOD_REQUIRED_PRIMARY_CODE.
@Suite struct MFAStrictVariantTests {
    static let stack = Result {
        try Stack(settings: ["AUTHKIT_MFA_PREVENT_DELETE_PRIMARY_METHOD": "true", "AUTHKIT_MFA_DELETE_ACTIVE_METHOD_REQUIRE_CODE": "true",
                             "AUTHKIT_MFA_UPDATE_PRIMARY_METHOD_REQUIRED_PRIMARY_CODE": "true", "AUTHKIT_MFA_TOTP_DEFAULT_VALID_WINDOW": "1"])
    }

    @Test func primaryCodeRules() throws {
        let s = try Self.stack.get()
        let u = try Enrollment.app(s, "sam")
        let emailCodes = try u.addEmail("sam")
        let invalid = #"{"non_field_errors":["Invalid primary method code"]}"#
        #expect(try s.post("mfa/primary/", #"{"method": "email"}"#, token: u.token).text == #"{"primary_code":["This field is required."]}"#)
        #expect(try s.post("mfa/primary/", #"{"method": "email", "primary_code": "000000"}"#, token: u.token).text == invalid)
        #expect(try s.post("mfa/primary/", #"{"method": "email", "primary_code": ""}"#, token: u.token).text == #"{"primary_code":["This field may not be blank."]}"#)
        #expect(try s.post("mfa/primary/", "{}", token: u.token).text == #"{"method":["This field is required."],"primary_code":["This field is required."]}"#)
        // The current primary's (app) TOTP code.
        #expect(try s.post("mfa/primary/", #"{"method": "email", "primary_code": "\#(u.phone.nextCode())"}"#, token: u.token).text
                == #"{"detail":"Updated primary MFA method"}"#)
        // Back to app with a backup code of the current primary (email); a wrong one first.
        #expect(try s.post("mfa/primary/", #"{"method": "app", "primary_code": "ABCDEFGHJKMN"}"#, token: u.token).text == invalid)
        #expect(try s.post("mfa/primary/", #"{"method": "app", "primary_code": "\#(u.backupCodes[0])"}"#, token: u.token).text == invalid,
                "an app backup code is not a code of the email method")
        #expect(try s.post("mfa/primary/", #"{"method": "app", "primary_code": "\#(emailCodes[0])"}"#, token: u.token).status == 200)
        #expect(try s.post("mfa/primary/", #"{"method": "email", "primary_code": "\#(emailCodes[1])"}"#, token: u.token).text == invalid)
    }

    @Test func deletionRules() throws {
        let s = try Self.stack.get()
        let u = try Enrollment.app(s, "tess")
        let emailCodes = try u.addEmail("tess")
        // app is primary.
        #expect(try s.post("mfa/delete/", #"{"method": "app"}"#, token: u.token).text == #"{"non_field_errors":["Cannot delete primary MFA method"]}"#)
        #expect(try s.post("mfa/deactivate/", #"{"method": "app", "code": "000000"}"#, token: u.token).text
                == #"{"non_field_errors":["Cannot deactivate primary MFA method"]}"#)
        // An active non-primary method: the code is required (a missing one is a field error, not a 500).
        #expect(try s.post("mfa/delete/", #"{"method": "email"}"#, token: u.token).text == #"{"code":["This field is required."]}"#)
        #expect(try s.post("mfa/delete/", #"{"method": "email", "code": ""}"#, token: u.token).text == #"{"non_field_errors":["Invalid OTP code"]}"#)
        #expect(try s.post("mfa/delete/", #"{"method": "email", "code": "000000"}"#, token: u.token).text == #"{"non_field_errors":["Invalid OTP code"]}"#)
        #expect(try s.post("mfa/delete/", #"{"method": "email", "code": "\#(u.backupCodes[0])"}"#, token: u.token).text
                == #"{"non_field_errors":["Invalid OTP code"]}"#, "a backup code of another method")
        // One of its own backup codes works (and is consumed).
        #expect(try s.post("mfa/delete/", #"{"method": "email", "code": "\#(emailCodes[0])"}"#, token: u.token).status == 204)
        #expect(try s.psql("SELECT count(*) FROM mfa_backup_code_uses b JOIN users u ON u.id = b.user_id WHERE u.username = 'tess' AND b.method_id IS NULL AND b.method_name = 'email'") == "1")
        // An inactive (never confirmed) method needs no code.
        #expect(try s.post("mfa/", #"{"method": "email"}"#, token: u.token).status == 201)
        #expect(try s.post("mfa/delete/", #"{"method": "email"}"#, token: u.token).status == 204)
    }
}

/// TRANSCRIPTS.md §17: MFA_PREVENT_DELETE_ACTIVE_METHOD.
@Suite struct MFANoActiveDeleteVariantTests {
    @Test func activeMethodsCannotBeRemoved() throws {
        let s = try Stack(settings: ["AUTHKIT_MFA_PREVENT_DELETE_ACTIVE_METHOD": "true", "AUTHKIT_MFA_TOTP_DEFAULT_VALID_WINDOW": "1"])
        defer { s.stop() }
        let u = try Enrollment.app(s, "uma")
        #expect(try s.post("mfa/delete/", #"{"method": "app"}"#, token: u.token).text == #"{"non_field_errors":["Cannot delete active MFA method"]}"#)
        // Checked before the code: even a wrong code gets the policy answer.
        #expect(try s.post("mfa/deactivate/", #"{"method": "app", "code": "000000"}"#, token: u.token).text
                == #"{"non_field_errors":["Cannot deactivate active MFA method"]}"#)
        #expect(try s.post("mfa/", #"{"method": "email"}"#, token: u.token).status == 201)
        #expect(try s.post("mfa/delete/", #"{"method": "email"}"#, token: u.token).status == 204)
    }
}

/// Replay protection with the default window (0), and the reference's behaviour when it is off.
@Suite struct MFAReplayTests {
    @Test func aStepIsAcceptedOnceAndNeverAnOlderOne() throws {
        let s = try Stack()
        defer { s.stop() }
        let u = try Enrollment.app(s, "rex", window: 0)
        let first = try s.login("rex").string("ephemeral_token") ?? ""
        // The confirmation used the current step: the same code is refused now.
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(first)", "code": "\#(u.phone.currentCode())"}"#).text
                == #"{"non_field_errors":["Invalid code"]}"#)
        // The next step's code is accepted once it is current, and only once.
        let code = u.phone.nextCode()
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(first)", "code": "\#(code)"}"#).status == 200)
        let second = try s.login("rex").string("ephemeral_token") ?? ""
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(second)", "code": "\#(code)"}"#).text == #"{"non_field_errors":["Invalid code"]}"#)
        let step = Int64(Date().timeIntervalSince1970) / 30
        #expect(try s.psql("SELECT last_used_step FROM mfa_methods m JOIN users u ON u.id = m.user_id WHERE u.username = 'rex'") == String(step)
                || (try s.psql("SELECT last_used_step FROM mfa_methods m JOIN users u ON u.id = m.user_id WHERE u.username = 'rex'")) == String(step - 1))
    }

    @Test func withProtectionOffCodesAreReusableAsInTheReference() throws {
        let s = try Stack(settings: ["AUTHKIT_MFA_TOTP_REPLAY_PROTECTION": "false"])
        defer { s.stop() }
        let u = try Enrollment.app(s, "ref", window: 0)
        // The app method: one code works all its step long, as in the reference.
        let appCode = u.phone.currentCode()
        for _ in 0..<2 {
            let token = try #require(try s.login("ref").string("ephemeral_token"))
            #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(appCode)"}"#).status == 200)
        }
        try u.addEmail("ref")
        _ = try s.post("mfa/primary/", #"{"method": "email"}"#, token: u.token)
        // TRANSCRIPTS §1.3 and §2.3: the email login and its mailed code. Email codes are
        // single-use whatever this setting says (docs/compatibility.md): the next login mails
        // a new code, and the used one is refused.
        let before = s.mailbox.messages(to: "ref@example.com").count
        let token = try #require(try s.login("ref").string("ephemeral_token"))
        #expect(token.contains("-email-"))
        let code = try #require(s.mailbox.message(before, to: "ref@example.com")?.code)
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(code)"}"#).status == 200)
        let again = try #require(try s.login("ref").string("ephemeral_token"))
        let fresh = try #require(s.mailbox.message(before + 1, to: "ref@example.com")?.code)
        if fresh != code {
            #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(again)", "code": "\#(code)"}"#).status == 400)
        }
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(again)", "code": "\#(fresh)"}"#).status == 200)
    }
}

/// Single use under concurrency: many requests with one code, exactly one success.
@Suite struct MFAConcurrencyTests {
    static let stack = Result {
        try Stack(settings: ["AUTHKIT_WORKERS": "24", "AUTHKIT_PASSWORD_HASH_CONCURRENCY": "10", "AUTHKIT_PASSWORD_HASH_QUEUE": "10",
                             "AUTHKIT_MFA_TOTP_DEFAULT_VALID_WINDOW": "1"])
    }

    func race(_ s: Stack, _ username: String, code: String) throws -> [Int] {
        // Twenty first steps (distinct ephemeral tokens), then twenty verifies released at once.
        let tokens = try (0..<20).map { _ in try #require(try s.login(username).string("ephemeral_token")) }
        let statuses = Mutex<[Int]>([])
        Concurrently.run(20) { i in
            let status = (try? s.post("login/verify/", #"{"ephemeral_token": "\#(tokens[i])", "code": "\#(code)"}"#))?.status ?? -1
            statuses.withLock { $0.append(status) }
        }
        return statuses.withLock { $0 }
    }

    @Test func oneBackupCodeTwentyRequests() throws {
        let s = try Self.stack.get()
        let u = try Enrollment.app(s, "racer")
        let statuses = try race(s, "racer", code: u.backupCodes[2])
        #expect(statuses.filter { $0 == 200 }.count == 1, "\(statuses)")
        #expect(statuses.filter { $0 == 400 }.count == 19, "\(statuses)")
        #expect(try s.psql("SELECT count(*) FROM mfa_backup_code_uses b JOIN users u ON u.id = b.user_id WHERE u.username = 'racer'") == "1")
        #expect(try s.psql("SELECT cardinality(backup_codes) FROM mfa_methods m JOIN users u ON u.id = m.user_id WHERE u.username = 'racer'") == "4")
    }

    @Test func oneTOTPCodeTwentyRequests() throws {
        let s = try Self.stack.get()
        let u = try Enrollment.app(s, "sprinter")
        let statuses = try race(s, "sprinter", code: u.phone.nextCode())
        #expect(statuses.filter { $0 == 200 }.count == 1, "\(statuses)")
        #expect(statuses.filter { $0 == 400 }.count == 19, "\(statuses)")
    }

    @Test func concurrentConfirmsKeepOnePrimary() throws {
        let s = try Self.stack.get()
        try s.createUser("twins")
        let token = try s.accessToken("twins")
        let app = try s.post("mfa/", #"{"method": "app"}"#, token: token)
        guard case .string(let qr)? = app.object("setup_data")?["qr_link"] else { Issue.record("no link"); return }
        let before = s.mailbox.messages(to: "twins@example.com").count
        _ = try s.post("mfa/", #"{"method": "email"}"#, token: token)
        let mailed = try #require(s.mailbox.message(before, to: "twins@example.com")?.code)
        let appCode = Phone(qrLink: qr).nextCode()
        let statuses = Mutex<[Int]>([])
        Concurrently.run(2) { i in
            let body = i == 0 ? #"{"method": "app", "code": "\#(appCode)"}"# : #"{"method": "email", "code": "\#(mailed)"}"#
            statuses.withLock { $0.append((try? s.post("mfa/confirm/", body, token: token))?.status ?? -1) }
        }
        #expect(statuses.withLock { $0 } == [200, 200])
        #expect(try s.psql("SELECT count(*) FROM mfa_methods m JOIN users u ON u.id = m.user_id WHERE u.username = 'twins' AND is_primary") == "1")
    }
}
