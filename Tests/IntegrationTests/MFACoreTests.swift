import AuthKit
import Testing
import TestSupport

/// The second version of the MFA core: attempts reserved atomically under concurrency, backup
/// codes you can count and regenerate, the help-desk reset, and handlers as the seam.
@Suite struct MFACoreTests {
    typealias Harness = MFAControllerTests.Harness

    /// 16 concurrent wrong codes on one ephemeral token: exactly AUTHKIT_MFA_FAILURES_BEFORE_DELAY
    /// are evaluated, the rest get 429 unevaluated; in each later delay window exactly one is.
    @Test func concurrentGuessesAreEvaluatedOnlyAsAllowed() throws {
        let h = try Harness(["AUTHKIT_MFA_FAILURES_BEFORE_DELAY": "3", "AUTHKIT_WORKERS": "20"])
        _ = try h.enroll("racer")
        let token = h.firstStep("racer")
        let body = #"{"ephemeral_token": "\#(token)", "code": "000000"}"#
        var mark = try h.eventMark()
        let first = h.concurrently(16, .post, "login/verify/", body)
        #expect(first.filter { $0 == 400 }.count == 3, "\(first.sorted())")
        #expect(first.filter { $0 == 429 }.count == 13, "\(first.sorted())")
        #expect(try h.events(since: &mark).count == 3, "one failure row per evaluated code")
        // The third failure started a 1 s delay, the next ones 2 s, 4 s: one evaluation each.
        for delay: Int64 in [1, 2, 4] {
            h.clock.advance(seconds: delay)
            let burst = h.concurrently(16, .post, "login/verify/", body)
            #expect(burst.filter { $0 == 400 }.count == 1, "after \(delay) s: \(burst.sorted())")
            #expect(burst.filter { $0 == 429 }.count == 15, "after \(delay) s: \(burst.sorted())")
        }
        #expect(try h.cluster.psql("SELECT failed_attempts FROM mfa_methods", database: h.dbName) == "6")
    }

    /// The per-name password delay is reserved the same way: 16 concurrent wrong passwords get
    /// at most AUTHKIT_PASSWORD_FAILURES_BEFORE_DELAY hashes.
    @Test func concurrentWrongPasswordsAreHashedOnlyAsAllowed() throws {
        let h = try Harness(["AUTHKIT_WORKERS": "40", "AUTHKIT_PASSWORD_HASH_QUEUE": "30"])
        _ = try h.enroll("pw-racer")
        let before = h.app.hashLanes.untrusted.computed.load(ordering: .relaxed)
        let statuses = h.concurrently(16, .post, "login/", #"{"username": "pw-racer", "password": "wrong"}"#)
        #expect(statuses.filter { $0 == 400 }.count == 5, "\(statuses.sorted())")
        #expect(statuses.filter { $0 == 429 }.count == 11, "\(statuses.sorted())")
        #expect(h.app.hashLanes.untrusted.computed.load(ordering: .relaxed) == before + 5)
        // Inside the delay even the right password waits; after it, it works and clears the count.
        #expect(h.call(.post, "login/", #"{"username": "pw-racer", "password": "pw"}"#).0 == 429)
        h.clock.advance(seconds: 2)
        #expect(h.call(.post, "login/", #"{"username": "pw-racer", "password": "pw"}"#).0 == 200)
        #expect(try h.cluster.psql("SELECT count(*) FROM login_failures", database: h.dbName) == "0")
    }

    @Test func backupCodesCanBeCountedAndRegenerated() throws {
        let h = try Harness()
        let (secret, codes, token) = try h.enroll("keeper")
        #expect(try h.cluster.psql("SELECT backup_scheme FROM mfa_methods", database: h.dbName) == "pbkdf2_sha256$10000",
                "backup codes have their own cost, not the password's")
        let remaining = { h.call(.get, "mfa/backup-codes/?method=app", token: token) }
        #expect(remaining().1 == .object(["method": "app", "remaining": 5]))
        // Using one at login leaves four, and its audit row says so.
        var mark = try h.eventMark()
        let ephemeral = h.firstStep("keeper")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "\#(codes[0])"}"#).0 == 200)
        #expect(try h.cluster.psql("SELECT details->>'backup_codes_remaining' FROM mfa_events WHERE event = 'backup_code_used'",
                                   database: h.dbName) == "4")
        _ = try h.events(since: &mark)
        #expect(remaining().1 == .object(["method": "app", "remaining": 4]))

        // Regenerate: a wrong code changes nothing; a right one voids the old set at once.
        let regenerate = { (code: String) in
            h.call(.post, "mfa/backup-codes/regenerate/", #"{"method": "app", "code": "\#(code)"}"#, token: token)
        }
        #expect(regenerate("000000").1 == .object(["non_field_errors": ["Invalid code"]]))
        #expect(try h.events(since: &mark) == ["code_failed app totp"])
        h.clock.advance(seconds: 30)
        let renewed = regenerate(h.code(secret))
        #expect(renewed.0 == 200)
        guard case .object(let body)? = renewed.1, case .array(let fresh)? = body["backup_codes"] else {
            Issue.record("no backup codes in \(String(describing: renewed.1))")
            return
        }
        #expect(body.entries.map(\.key) == ["method", "backup_codes"])
        #expect(fresh.count == 5)
        #expect(try h.events(since: &mark) == ["backup_codes_regenerated app -"])
        #expect(remaining().1 == .object(["method": "app", "remaining": 5]))
        var next = h.firstStep("keeper")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(next)", "code": "\#(codes[1])"}"#).0 == 400, "old set void")
        guard case .string(let newCode) = fresh[0] else { return }
        next = h.firstStep("keeper")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(next)", "code": "\#(newCode)"}"#).0 == 200)

        // Field errors as DRF words them; an inactive or unknown method is refused.
        #expect(h.call(.get, "mfa/backup-codes/", token: token).1 == .object(["method": ["This field is required."]]))
        #expect(h.call(.get, "mfa/backup-codes/?method=sms", token: token).1
                == .object(["method": ["\"sms\" is not a valid choice."]]))
        #expect(h.call(.get, "mfa/backup-codes/?method=email", token: token).1
                == .object(["non_field_errors": ["Requested MFA method does not exist."]]))
        #expect(h.call(.get, "mfa/backup-codes/?method=app").0 == 401)
        #expect(h.call(.post, "mfa/backup-codes/regenerate/", #"{"method": "email", "code": "123456"}"#, token: token).1
                == .object(["non_field_errors": ["Requested MFA method does not exist."]]))
    }

    @Test func creatingAMethodCostsNoSlowHash() throws {
        let h = try Harness()
        let (_, _, token) = try h.enroll("cheap")
        let lanes = h.app.hashLanes
        let before = (lanes.untrusted.computed.load(ordering: .relaxed), lanes.trusted.computed.load(ordering: .relaxed),
                      lanes.enrolment.computed.load(ordering: .relaxed))
        #expect(h.call(.post, "mfa/", #"{"method": "email"}"#, token: token).0 == 201)
        #expect(lanes.untrusted.computed.load(ordering: .relaxed) == before.0, "no hash runs in a login lane")
        #expect(lanes.trusted.computed.load(ordering: .relaxed) == before.1)
        #expect(lanes.enrolment.computed.load(ordering: .relaxed) == before.2 + 5, "the five backup codes, in the enrolment lane")
    }

    @Test func helpDeskResetRemovesFactorsAuditsAndNotifies() throws {
        let h = try Harness()
        let (_, _, token) = try h.enroll("lost")
        #expect(h.call(.post, "mfa/", #"{"method": "email"}"#, token: token).0 == 201)
        let env = ["AUTHKIT_DATABASE_URL": h.cluster.url(h.dbName), "AUTHKIT_SECRET_KEY": TestKeys.secretKey]
        let one = try Shell.run(Paths.binary, ["mfa", "reset", "lost", "--method", "email"], environment: env)
        #expect(one.output.contains("removed email of lost; notice queued to the user's email address"))
        #expect(try h.cluster.psql("SELECT string_agg(name, ',') FROM mfa_methods", database: h.dbName) == "app")
        let all = try Shell.run(Paths.binary, ["mfa", "reset", "lost"], environment: env)
        #expect(all.output.contains("removed app of lost"))
        #expect(try h.cluster.psql("SELECT count(*) FROM mfa_methods", database: h.dbName) == "0")
        #expect(try h.cluster.psql("SELECT string_agg(method || ':' || event || ':' || request_id, ',' ORDER BY id) FROM mfa_events WHERE event = 'reset'",
                                   database: h.dbName) == "email:reset:cli,app:reset:cli")
        #expect(try h.cluster.psql("SELECT count(*) || ' ' || min(subject) || ' ' || min(recipient) FROM email_outbox WHERE kind = 'notice' AND subject LIKE '%reset'",
                                   database: h.dbName) == "2 Your two-step verification was reset lost@example.com")
        // The user can sign in with the password alone again.
        #expect(h.call(.post, "login/", #"{"username": "lost", "password": "pw"}"#).1.flatMap { h.string($0, "access") } != nil)
        // Nothing left, or nobody of that name: a non-zero exit in plain words.
        let none = try Shell.run(Paths.binary, ["mfa", "reset", "lost"], environment: env, allowFailure: true)
        #expect(none.status == 1 && none.output.contains("error: lost has no second factor"))
        let nobody = try Shell.run(Paths.binary, ["mfa", "reset", "nobody"], environment: env, allowFailure: true)
        #expect(nobody.status == 1 && nobody.output.contains("error: no user named \"nobody\""))
    }
}

/// Database round trips of the hot paths, counted on the worker's connection (statements
/// already prepared): a successful login/verify/ takes three, a wrong code two; the shared rate
/// limit (auth_kit scope, counted in PostgreSQL) adds one to each.
@Suite struct RoundTripTests {
    func trips(throttled: Bool) throws -> (success: Int, failure: Int) {
        let h = try MFAControllerTests.Harness(throttled ? [:] : ["AUTHKIT_THROTTLE_RATES": "none"])
        let (secret, _, _) = try h.enroll("counted")
        let count = { try h.database.run(logger: .init(label: "test")) { $0.roundTrips } }
        func verify(_ code: String) throws -> (status: Int, trips: Int) {
            let token = h.firstStep("counted")
            let before = try count()
            let status = h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(code)"}"#).0
            return (status, try count() - before)
        }
        // Warm-up: every statement of both paths prepared once.
        h.clock.advance(seconds: 30)
        #expect(try verify(h.code(secret)).status == 200)
        #expect(try verify("000000").status == 400)
        h.clock.advance(seconds: 30)
        let success = try verify(h.code(secret))
        #expect(success.status == 200)
        let failure = try verify("111111")
        #expect(failure.status == 400)
        return (success.trips, failure.trips)
    }

    @Test func secondStepRoundTrips() throws {
        let core = try trips(throttled: false)
        #expect(core.success == 3, "token check, attempt reservation, redemption with audit row and last_login")
        #expect(core.failure == 2, "token check, attempt reservation with its failure row")
        let shared = try trips(throttled: true)
        #expect(shared.success == 4 && shared.failure == 3, "plus one upsert of the shared rate-limit window")
    }
}

/// A second step keeps the expiry of the password step it came from: resend and
/// change-method never extend it.
@Suite struct SecondStepExpiryTests {
    @Test func resendAndChangeMethodNeverExtendTheToken() throws {
        let h = try MFAControllerTests.Harness()
        let (secret, _, token) = try h.enroll("keeper")
        #expect(h.call(.post, "mfa/", #"{"method": "email"}"#, token: token).0 == 201)
        _ = h.call(.post, "mfa/confirm/", #"{"method": "email", "code": "\#(try h.latestEmailCode("keeper"))"}"#, token: token)
        let first = h.firstStep("keeper")
        h.clock.advance(seconds: 800)
        let resent = try #require(h.string(h.call(.post, "login/resend/", #"{"ephemeral_token": "\#(first)"}"#).1, "ephemeral_token"))
        let switched = try #require(h.string(h.call(.post, "login/change-method/",
                                                    #"{"ephemeral_token": "\#(first)", "new_method": "email"}"#).1, "ephemeral_token"))
        #expect(resent.split(separator: "-")[2] == first.split(separator: "-")[2], "same first-step time")
        h.clock.advance(seconds: 101)
        for stale in [first, resent, switched] {
            #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(stale)", "code": "\#(h.code(secret))"}"#).1
                    == .object(["non_field_errors": ["Invalid token"]]))
        }
    }
}

/// The owner is told of every change to how they sign in, in the change's own transaction, with
/// texts an operator can replace; no notice holds a code.
@Suite struct SecurityNoticeTests {
    func notices(_ h: MFAControllerTests.Harness) throws -> [String] {
        let text = try h.cluster.psql("SELECT subject FROM email_outbox WHERE kind = 'notice' ORDER BY id", database: h.dbName)
        return text.isEmpty ? [] : text.split(separator: "\n").map(String.init)
    }

    @Test func everyChangeIsNoticed() throws {
        let templates = try Paths.temporaryDirectory("authkit-notices")
        try "Code used on {{method}}\nHi {{username}}, {{remaining}} left.\n"
            .write(toFile: templates + "/notice_backup_code_used.txt", atomically: true, encoding: .utf8)
        let h = try MFAControllerTests.Harness(["AUTHKIT_EMAIL_TEMPLATE_DIR": templates,
                                                "AUTHKIT_MFA_UPDATE_PRIMARY_METHOD_REQUIRED_PRIMARY_CODE": "false"])
        let (secret, codes, token) = try h.enroll("told")
        #expect(try notices(h) == ["A two-step verification method was added"])
        let ephemeral = h.firstStep("told")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "\#(codes[0])"}"#).0 == 200)
        #expect(try h.cluster.psql("SELECT subject || '|' || body FROM email_outbox WHERE kind = 'notice' ORDER BY id DESC LIMIT 1",
                                   database: h.dbName) == "Code used on app|Hi told, 4 left.")
        h.clock.advance(seconds: 30)
        #expect(h.call(.post, "mfa/backup-codes/regenerate/", #"{"method": "app", "code": "\#(h.code(secret))"}"#, token: token).0 == 200)
        h.clock.advance(seconds: 30)
        #expect(h.call(.post, "mfa/deactivate/", #"{"method": "app", "code": "\#(h.code(secret))"}"#, token: token).0 == 200)
        #expect(h.call(.post, "mfa/delete/", #"{"method": "app"}"#, token: token).0 == 204)
        #expect(try notices(h) == ["A two-step verification method was added", "Code used on app", "New backup codes were made",
                                   "A two-step verification method was turned off", "A two-step verification method was removed"],
                "\((try? notices(h)) ?? [])")
        #expect(try h.cluster.psql("SELECT count(*) FROM email_outbox WHERE kind = 'notice' AND recipient = 'told@example.com'",
                                   database: h.dbName) == "5")
        // The CLI's password change is noticed too.
        let env = ["AUTHKIT_DATABASE_URL": h.cluster.url(h.dbName), "AUTHKIT_SECRET_KEY": TestKeys.secretKey]
        let dir = try Paths.temporaryDirectory("authkit-pw")
        try "An0ther-pass!\n".write(toFile: dir + "/pw", atomically: true, encoding: .utf8)
        _ = try Shell.run("/bin/sh", ["-c", "exec \"$0\" user set-password told --password-stdin < '\(dir)/pw'", Paths.binary],
                          environment: env)
        #expect(try notices(h).last == "Your password was changed")
    }

    @Test func noticesCanBeSwitchedOff() throws {
        let h = try MFAControllerTests.Harness(["AUTHKIT_SECURITY_NOTICES": "password_changed"])
        _ = try h.enroll("quiet")
        #expect(try notices(h) == [], "only the password notice is on")
        #expect(throws: SettingsError.self) {
            try Settings.load(from: ["AUTHKIT_SECURITY_NOTICES": "method_activated,sms"], requireDatabase: false)
        }
    }
}

/// Sensitive changes can ask for a recent login (django-allauth's reauthentication): the
/// tokens carry the login's time (`auth_time`) through every refresh.
@Suite struct ReauthenticationTests {
    func accessToken(_ h: MFAControllerTests.Harness, _ username: String, secret: String) throws -> String {
        let ephemeral = h.firstStep(username)
        h.clock.advance(seconds: 30)
        let verified = h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "\#(h.code(secret))"}"#)
        return try #require(h.string(verified.1, "access"))
    }

    @Test func addingAMethodAndChangingThePasswordNeedARecentLogin() throws {
        let h = try MFAControllerTests.Harness(["AUTHKIT_REAUTHENTICATION_REQUIRED": "mfa_create,password_change",
                                                "AUTHKIT_ACCESS_TOKEN_LIFETIME": "3600", "AUTHKIT_PASSWORD_VALIDATORS": "none"])
        let (secret, _, _) = try h.enroll("careful")
        var token = try accessToken(h, "careful", secret: secret)
        h.clock.advance(seconds: 301)
        let late = h.call(.post, "mfa/", #"{"method": "email"}"#, token: token)
        #expect(late.0 == 403)
        #expect(h.string(late.1, "code") == "reauthentication_required")
        let change = #"{"new_password1": "An0ther-pass!", "new_password2": "An0ther-pass!"}"#
        #expect(h.call(.post, "password/change/", change, token: token).0 == 403)
        // Only a new login opens the window again.
        token = try accessToken(h, "careful", secret: secret)
        #expect(h.call(.post, "mfa/", #"{"method": "email"}"#, token: token).0 == 201, "a fresh login may")
        #expect(h.call(.post, "password/change/", change, token: token).0 == 200)
    }

    @Test func offByDefaultForTheReferencesRoutes() throws {
        let h = try MFAControllerTests.Harness(["AUTHKIT_ACCESS_TOKEN_LIFETIME": "3600"])
        let (secret, _, _) = try h.enroll("relaxed")
        let token = try accessToken(h, "relaxed", secret: secret)
        h.clock.advance(seconds: 3000)
        #expect(h.call(.post, "mfa/", #"{"method": "email"}"#, token: token).0 == 201)
    }
}
