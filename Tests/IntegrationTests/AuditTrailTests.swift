import AuthKit
import PostgreSQL
import Testing
import TestSupport

/// Every state change of the MFA API leaves exactly its rows in `mfa_events`, written with the
/// change; refused requests leave none.
@Suite struct AuditTrailTests {
    typealias Harness = MFAControllerTests.Harness

    @Test func enrollmentAndManagementEndpoints() throws {
        let h = try Harness()
        var mark = try h.eventMark()
        let (app, _, token) = try h.enroll("audited")
        #expect(try h.events(since: &mark) == ["created app -", "confirmed app totp"])

        #expect(h.call(.post, "mfa/", #"{"method": "email"}"#, token: token).0 == 201)
        #expect(try h.events(since: &mark) == ["created email -", "code_sent email -"])
        #expect(h.call(.post, "mfa/", #"{"method": "email"}"#, token: token).0 == 400)
        #expect(try h.events(since: &mark) == [], "a refused request changes nothing")

        let email = "audited"
        #expect(h.call(.post, "mfa/confirm/", #"{"method": "email", "code": "000000"}"#, token: token).0 == 400)
        #expect(try h.events(since: &mark) == ["code_failed email email"])
        #expect(h.call(.post, "mfa/confirm/", #"{"method": "email", "code": "\#(try h.latestEmailCode(email))"}"#,
                       token: token).0 == 200)
        #expect(try h.events(since: &mark) == ["confirmed email email"])

        h.clock.advance(seconds: 31)  // past the send cooldown
        #expect(h.call(.post, "mfa/send/", #"{"method": "email"}"#, token: token).0 == 200)
        #expect(try h.events(since: &mark) == ["code_sent email -"])
        #expect(h.call(.post, "mfa/send/", #"{"method": "email"}"#, token: token).0 == 429)
        #expect(try h.events(since: &mark) == [])

        #expect(h.call(.post, "mfa/primary/", #"{"method": "email"}"#, token: token).0 == 200)
        #expect(try h.events(since: &mark) == ["primary_changed email -"])

        #expect(h.call(.post, "mfa/deactivate/", #"{"method": "app", "code": "\#(h.code(app))"}"#, token: token).0 == 200)
        #expect(try h.events(since: &mark) == ["deactivated app totp"])
        #expect(h.call(.post, "mfa/delete/", #"{"method": "app"}"#, token: token).0 == 204)
        #expect(try h.events(since: &mark) == ["deleted app -"])
        #expect(h.call(.post, "mfa/delete/", #"{"method": "app"}"#, token: token).0 == 400)
        #expect(try h.events(since: &mark) == [])
    }

    @Test func loginOutcomes() throws {
        let h = try Harness()
        let (secret, codes, _) = try h.enroll("signer")
        var mark = try h.eventMark()
        var token = h.firstStep("signer")
        #expect(try h.events(since: &mark) == [], "the first step with an app method changes nothing")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "123456"}"#).0 == 400)
        #expect(try h.events(since: &mark) == ["login_failed app totp"])
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "ABCDEFGHJKMN"}"#).0 == 400)
        #expect(try h.events(since: &mark) == ["login_failed app backup"])
        h.clock.advance(seconds: 30)
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(h.code(secret))"}"#).0 == 200)
        #expect(try h.events(since: &mark) == ["login_verified app totp"])

        token = h.firstStep("signer")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(codes[0])"}"#).0 == 200)
        #expect(try h.events(since: &mark) == ["login_verified app backup", "backup_code_used app backup"])
        token = h.firstStep("signer")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(codes[0])"}"#).0 == 400)
        #expect(try h.events(since: &mark) == ["login_failed app backup"], "a used backup code fails")
    }

    @Test func emailFirstStepAndResendQueueCodes() throws {
        let h = try Harness()
        let (_, _, token) = try h.enroll("postman")
        #expect(h.call(.post, "mfa/", #"{"method": "email"}"#, token: token).0 == 201)
        let email = "postman"
        #expect(h.call(.post, "mfa/confirm/", #"{"method": "email", "code": "\#(try h.latestEmailCode(email))"}"#,
                       token: token).0 == 200)
        #expect(h.call(.post, "mfa/primary/", #"{"method": "email"}"#, token: token).0 == 200)
        h.clock.advance(seconds: 31)
        var mark = try h.eventMark()
        let ephemeral = h.firstStep("postman")
        #expect(try h.events(since: &mark) == ["code_sent email -"])
        #expect(h.call(.post, "login/resend/", #"{"ephemeral_token": "\#(ephemeral)"}"#).0 == 429)
        #expect(try h.events(since: &mark) == [], "inside the cooldown nothing is sent")
        h.clock.advance(seconds: 31)
        #expect(h.call(.post, "login/resend/", #"{"ephemeral_token": "\#(ephemeral)"}"#).0 == 200)
        #expect(try h.events(since: &mark) == ["code_sent email -"])
    }

    @Test func backupCodesAuthorisingPrimaryAndDeleteLeaveTwoRows() throws {
        let h = try Harness(["AUTHKIT_MFA_UPDATE_PRIMARY_METHOD_REQUIRED_PRIMARY_CODE": "true"])
        let (_, codes, token) = try h.enroll("keeper")
        #expect(h.call(.post, "mfa/", #"{"method": "email"}"#, token: token).0 == 201)
        let email = "keeper"
        #expect(h.call(.post, "mfa/confirm/", #"{"method": "email", "code": "\#(try h.latestEmailCode(email))"}"#,
                       token: token).0 == 200)
        var mark = try h.eventMark()
        #expect(h.call(.post, "mfa/primary/", #"{"method": "email", "primary_code": "\#(codes[1])"}"#, token: token).0 == 200)
        #expect(try h.events(since: &mark) == ["backup_code_used app backup", "primary_changed email backup"])
        #expect(h.call(.post, "mfa/delete/", #"{"method": "app", "code": "\#(codes[2])"}"#, token: token).0 == 204)
        #expect(try h.events(since: &mark) == ["backup_code_used app backup", "deleted app backup"])
    }

    @Test func lockingAndUnlocking() throws {
        let h = try Harness(["AUTHKIT_MFA_MAX_FAILURES": "3"])
        _ = try h.enroll("locked")
        var mark = try h.eventMark()
        let token = h.firstStep("locked")
        for _ in 0..<3 { #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "123456"}"#).0 == 400) }
        #expect(try h.events(since: &mark) == ["login_failed app totp", "login_failed app totp", "login_failed app totp", "locked app -"])
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "123456"}"#).0 == 429)
        #expect(try h.events(since: &mark) == [], "a refused attempt on a locked method checks nothing and records nothing")

        let connection = try PGConnection(conninfo: h.cluster.url(h.dbName))
        let userID = Int64(try h.cluster.psql("SELECT id FROM users WHERE username = 'locked'", database: h.dbName))!
        #expect(try MFAStore(connection).unlock(userID: userID, origin: .commandLine) == 1)
        #expect(try h.events(since: &mark) == ["unlocked app -"])
        #expect(try h.cluster.psql("SELECT request_id || ' ' || coalesce(host(client_ip), 'null') FROM mfa_events ORDER BY id DESC LIMIT 1",
                                   database: h.dbName) == "cli null")
        #expect(try MFAStore(connection).unlock(userID: userID, origin: .commandLine) == 0, "nothing left to unlock, no event")
        #expect(try h.events(since: &mark) == [])
    }

    @Test func eventsRecordWhoCausedThem() throws {
        let h = try Harness()
        _ = try h.enroll("origin")
        let token = h.firstStep("origin")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "123456"}"#, userAgent: "TestAgent/1.0").0 == 400)
        let row = try h.cluster.psql("""
            SELECT host(client_ip), request_id, user_agent_hash = encode(substring(sha256('TestAgent/1.0'::bytea) FROM 1 FOR 16), 'hex'),
                   occurred_at > now() - interval '1 minute'
            FROM mfa_events ORDER BY id DESC LIMIT 1
            """, database: h.dbName)
        #expect(row == "127.0.0.1|test-request|t|t")
        #expect(!row.contains("TestAgent"))
    }

    @Test func theReadOnlyRoleSeesTheOverviewButNoSecret() throws {
        let h = try Harness()
        _ = try h.enroll("viewer")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(h.firstStep("viewer"))", "code": "999999"}"#).0 == 400)
        let overview = try h.cluster.psql("""
            SET ROLE authkit_readonly;
            SELECT username, method, is_active, is_primary, backup_codes_remaining, failed_attempts, last_used_at IS NOT NULL
            FROM mfa_methods_overview;
            """, database: h.dbName)
        #expect(overview == "viewer|app|t|t|5|1|t")
        #expect(try h.cluster.psql("SET ROLE authkit_readonly; SELECT count(*) FROM mfa_events", database: h.dbName) == "3")
        for forbidden in ["SELECT secret FROM mfa_methods", "SELECT backup_codes FROM mfa_methods", "SELECT * FROM mfa_methods",
                          "SELECT code_hash FROM mfa_backup_code_uses", "SELECT password FROM users", "SELECT jti FROM revoked_tokens",
                          "UPDATE mfa_methods SET is_active = false", "DELETE FROM mfa_events"] {
            #expect(throws: CommandFailure.self, "\(forbidden)") {
                try h.cluster.psql("SET ROLE authkit_readonly; \(forbidden)", database: h.dbName)
            }
        }
        #expect(try h.cluster.psql("SET ROLE authkit_readonly; SELECT username FROM users", database: h.dbName) == "viewer")
    }

    @Test func theEventsCommandListsAndPurges() throws {
        let h = try Harness()
        _ = try h.enroll("listed")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(h.firstStep("listed"))", "code": "999999"}"#).0 == 400)
        let env = ["AUTHKIT_DATABASE_URL": h.cluster.url(h.dbName), "AUTHKIT_LOG_LEVEL": "warning"]
        let lines = try Shell.run(Paths.binary, ["events", "--user", "listed"], environment: env).output.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.first?.hasPrefix("time\tmethod\tevent") == true)
        #expect(lines[1].contains("\tapp\tlogin_failed\ttotp\t127.0.0.1\ttest-request\t"), "newest first")
        #expect(lines[3].contains("\tapp\tcreated\t-\t"))
        let missing = try Shell.run(Paths.binary, ["events", "--user", "nobody"], environment: env, allowFailure: true)
        #expect(missing.status == 1 && missing.output.contains("no user named \"nobody\""))

        _ = try h.cluster.psql("UPDATE mfa_events SET occurred_at = now() - interval '31 days' WHERE event = 'created'", database: h.dbName)
        let purge = try Shell.run(Paths.binary, ["events", "purge"], environment: env.merging(["AUTHKIT_EVENT_RETENTION_DAYS": "30"]) { $1 })
        #expect(purge.output.contains("purged 1 event(s) older than 30 day(s)"))
        #expect(try h.cluster.psql("SELECT string_agg(event, ',' ORDER BY id) FROM mfa_events", database: h.dbName) == "confirmed,login_failed")
    }
}

extension MFAControllerTests.Harness {
    /// The id of the newest event (0 when none): later events are "since" it.
    func eventMark() throws -> Int64 {
        Int64(try cluster.psql("SELECT coalesce(max(id), 0) FROM mfa_events", database: dbName))!
    }

    /// Events after `mark` as "event method kind" (oldest first), advancing the mark.
    func events(since mark: inout Int64) throws -> [String] {
        let text = try cluster.psql("""
            SELECT event || ' ' || method || ' ' || coalesce(code_kind, '-') FROM mfa_events WHERE id > \(mark) ORDER BY id
            """, database: dbName)
        mark = try eventMark()
        return text.isEmpty ? [] : text.split(separator: "\n").map(String.init)
    }

    /// The code of the newest code email queued for the user: derived from the method's secret
    /// and the row's counter, as the sender does (the outbox stores no code).
    func latestEmailCode(_ username: String) throws -> String {
        let counter = try cluster.psql("""
            SELECT o.step FROM email_outbox o JOIN users u ON u.id = o.user_id
            WHERE u.username = '\(username)' AND o.kind = 'code' ORDER BY o.id DESC LIMIT 1
            """, database: dbName)
        return Phone.code(secret: try secret(username, "email"), step: Int64(counter)!)
    }

    /// The decrypted TOTP secret of a user's method.
    func secret(_ username: String, _ method: String) throws -> String {
        let stored = try cluster.psql("""
            SELECT u.id || ' ' || m.secret FROM mfa_methods m JOIN users u ON u.id = m.user_id
            WHERE u.username = '\(username)' AND m.name = '\(method)'
            """, database: dbName).split(separator: " ")
        return try SecretBox(keys: app.settings.security.encryptionKeys).open(String(stored[1]), userID: Int64(stored[0])!, method: method)
    }
}
