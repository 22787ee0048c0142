import AuthKit
import Logging
import Synchronization
import Testing
import TestSupport

/// The MFA controllers in-process against a real PostgreSQL, with a clock the test controls.
@Suite struct MFAControllerTests {
    final class Harness: @unchecked Sendable {
        let app: Application
        let clock: TestClock
        let database: Database
        let cluster: PostgresCluster
        let dbName: String

        init(_ extra: [String: String] = [:], registry: MFAHandlerRegistry = .builtIn) throws {
            cluster = try PostgresCluster.shared.get()
            dbName = try cluster.createDatabase()
            clock = TestClock(seconds: 1_795_612_590)
            var env = ["AUTHKIT_DATABASE_URL": cluster.url(dbName), "AUTHKIT_SECRET_KEY": TestKeys.secretKey,
                       "AUTHKIT_PASSWORD_HASH_ITERATIONS": "2000", "AUTHKIT_EMAIL_BACKEND": "file", "AUTHKIT_EMAIL_FILE_DIR": try Paths.temporaryDirectory("authkit-mail"),
                       "AUTHKIT_WORKERS": "4", "AUTHKIT_MFA_FAILURES_BEFORE_DELAY": "50"]
            for (k, v) in extra { env[k] = v }
            let settings = try Settings.load(from: env, requireSecretKey: true, registry: registry)
            app = Application(settings: settings, clock: clock, registry: registry)
            database = Database(settings: settings.database)
        }

        func call(_ method: HTTPMethod, _ path: String, _ json: String? = nil, token: String? = nil,
                  userAgent: String? = nil) -> (Int, JSONValue?) {
            call(method, path, json, token: token, userAgent: userAgent, on: database)
        }

        /// `count` identical requests at once, each on its own connection (as workers are);
        /// returns their statuses.
        func concurrently(_ count: Int, _ method: HTTPMethod, _ path: String, _ json: String) -> [Int] {
            let statuses = Mutex([Int]())
            let settings = app.settings
            Concurrently.run(count) { _ in
                let database = Database(settings: settings.database)
                defer { database.close() }
                let status = self.call(method, path, json, on: database).0
                statuses.withLock { $0.append(status) }
            }
            return statuses.withLock { $0 }
        }

        func call(_ method: HTTPMethod, _ path: String, _ json: String? = nil, token: String? = nil,
                  userAgent: String? = nil, on database: Database) -> (Int, JSONValue?) {
            let (path, query) = HTTPRequest.splitURI("/api/auth/" + path)
            let request = HTTPRequest(method: method, path: path, query: query, contentType: json == nil ? nil : "application/json",
                                      headers: .init(authorization: token.map { "Bearer \($0)" }, userAgent: userAgent), requestID: "test-request",
                                      body: Array((json ?? "").utf8))
            let response = app.respond(to: request, database: database, logger: Logger(label: "test")).0
            return (response.status.code, try? JSONParser.parse(response.body))
        }

        func string(_ value: JSONValue?, _ key: String) -> String? {
            guard case .object(let o)? = value, case .string(let s)? = o[key] else { return nil }
            return s
        }

        /// A user with an active app method; returns the TOTP secret, backup codes and an access token.
        func enroll(_ username: String) throws -> (secret: String, codes: [String], token: String) {
            let hash = DjangoPassword.make("pw", iterations: 1000)
            _ = try cluster.psql("INSERT INTO users (username, email, password) VALUES ('\(username)', '\(username)@example.com', '\(hash)')", database: dbName)
            let login = call(.post, "login/", #"{"username": "\#(username)", "password": "pw"}"#)
            let token = try #require(string(login.1, "access"))
            let created = call(.post, "mfa/", #"{"method": "app"}"#, token: token)
            guard case .object(let o)? = created.1, case .object(let setup)? = o["setup_data"], case .string(let qr)? = setup["qr_link"],
                  case .array(let codes)? = o["backup_codes"] else { throw CommandFailure(command: "create", status: 1, output: "\(created)") }
            let secret = String(qr.split(separator: "=")[1].prefix { $0 != "&" })
            #expect(setup.entries.map(\.key) == ["qr_link", "qr_svg", "secret"])
            #expect(setup["secret"] == .string(secret))
            let confirm = call(.post, "mfa/confirm/", #"{"method": "app", "code": "\#(code(secret))"}"#, token: token)
            #expect(confirm.0 == 200)
            return (secret, codes.compactMap { if case .string(let s) = $0 { s } else { nil } }, token)
        }

        func code(_ secret: String, stepOffset: Int64 = 0) -> String {
            Phone.code(secret: secret, step: clock.seconds / 30 + stepOffset)
        }

        func firstStep(_ username: String) -> String {
            string(call(.post, "login/", #"{"username": "\#(username)", "password": "pw"}"#).1, "ephemeral_token") ?? ""
        }
    }

    /// Methods made with a slow backup-code scheme (the password iteration count, as before
    /// backup codes had their own) keep verifying with it, one slow hash per guess.
    @Test func aWrongBackupCodeCostsExactlyOneSlowHash() throws {
        let h = try Harness(["AUTHKIT_MFA_BACKUP_CODE_ITERATIONS": "100000"])
        let (_, codes, _) = try h.enroll("hasher")
        #expect(codes.count == 5)
        let token = h.firstStep("hasher")
        let before = h.app.hashLanes.untrusted.computed.load(ordering: .relaxed)
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "ABCDEFGHJKMN"}"#).0 == 400)
        #expect(h.app.hashLanes.untrusted.computed.load(ordering: .relaxed) == before + 1, "one slow hash for a wrong 12-character code, whatever the number of codes")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "123456"}"#).0 == 400)
        #expect(h.app.hashLanes.untrusted.computed.load(ordering: .relaxed) == before + 1, "a wrong 6-digit code costs no slow hash")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(codes[4])"}"#).0 == 200)
        #expect(h.app.hashLanes.untrusted.computed.load(ordering: .relaxed) == before + 2)
    }

    @Test func replayAndWindowWithoutSleeping() throws {
        let h = try Harness()
        let (secret, _, _) = try h.enroll("clocky")
        // The confirmation used the current step: its code cannot log in.
        var token = h.firstStep("clocky")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(h.code(secret))"}"#).0 == 400)
        // Window 0: the next step's code is not accepted early.
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(h.code(secret, stepOffset: 1))"}"#).0 == 400)
        h.clock.advance(seconds: 30)
        token = h.firstStep("clocky")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(h.code(secret))"}"#).0 == 200)
        h.clock.advance(seconds: 30)
        token = h.firstStep("clocky")
        // An older step is refused even inside its lifetime under a wider window (see below); here it is out of the window.
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(h.code(secret, stepOffset: -1))"}"#).0 == 400)
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(h.code(secret))"}"#).0 == 200)
    }

    @Test func aWiderWindowNeverAcceptsAStepOlderThanOneUsed() throws {
        let h = try Harness(["AUTHKIT_MFA_TOTP_DEFAULT_VALID_WINDOW": "1"])
        let (secret, _, _) = try h.enroll("drift")
        h.clock.advance(seconds: 60)
        var token = h.firstStep("drift")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(h.code(secret, stepOffset: 1))"}"#).0 == 200)
        token = h.firstStep("drift")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(h.code(secret))"}"#).0 == 400)
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(h.code(secret, stepOffset: -1))"}"#).0 == 400)
    }

    @Test func ephemeralTokenExpiresAfter900Seconds() throws {
        let h = try Harness()
        let (secret, _, _) = try h.enroll("late")
        let token = h.firstStep("late")
        h.clock.advance(seconds: 890)
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(h.code(secret))"}"#).0 == 200)
        let second = h.firstStep("late")
        h.clock.advance(seconds: 901)
        let expired = h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(second)", "code": "\#(h.code(secret))"}"#)
        #expect(expired.0 == 400)
        #expect(expired.1 == .object(["non_field_errors": ["Invalid token"]]))
    }

    /// Every mailed code works: create → confirm → log in at once, twice inside one 180-s
    /// window (the first login step always sends a fresh code); a code is single-use, only the
    /// latest works, and it expires AUTHKIT_MFA_EMAIL_CODE_VALIDITY seconds after it was sent.
    @Test func everyMailedCodeWorksOnceWhileItIsTheLatest() throws {
        let h = try Harness()
        let (_, _, token) = try h.enroll("mailer")
        #expect(h.call(.post, "mfa/", #"{"method": "email"}"#, token: token).0 == 201)
        let stored = try h.cluster.psql("SELECT m.secret FROM mfa_methods m JOIN users u ON u.id = m.user_id WHERE u.username = 'mailer' AND name = 'email'",
                                        database: h.dbName)
        #expect(stored.hasPrefix("enc:v1:k0:"), "secrets are encrypted at rest")
        #expect(try h.cluster.psql("SELECT count(*) FROM email_outbox WHERE kind = 'code' AND body IS NULL", database: h.dbName) == "1",
                "the outbox holds no code")
        let confirmCode = try h.latestEmailCode("mailer")
        h.clock.advance(seconds: 179)  // still valid
        #expect(h.call(.post, "mfa/confirm/", #"{"method": "email", "code": "\#(confirmCode)"}"#, token: token).0 == 200)
        #expect(h.call(.post, "mfa/primary/", #"{"method": "email"}"#, token: token).0 == 200)
        for round in 0..<2 {
            let ephemeral = h.firstStep("mailer")
            let code = try h.latestEmailCode("mailer")
            let verified = h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "\#(code)"}"#)
            #expect(verified.0 == 200, "login \(round + 1) in one window: \(verified)")
            h.clock.advance(seconds: 5)
        }
        // Reused, superseded and expired codes are refused.
        var ephemeral = h.firstStep("mailer")
        let first = try h.latestEmailCode("mailer")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "\#(first)"}"#).0 == 200)
        ephemeral = h.firstStep("mailer")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "\#(first)"}"#).0 == 400, "used once")
        let older = try h.latestEmailCode("mailer")
        h.clock.advance(seconds: 31)
        #expect(h.call(.post, "login/resend/", #"{"ephemeral_token": "\#(ephemeral)"}"#).0 == 200)
        let newer = try h.latestEmailCode("mailer")
        if older != newer {
            #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "\#(older)"}"#).0 == 400,
                    "only the latest code works")
        }
        h.clock.advance(seconds: 180)
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "\#(newer)"}"#).0 == 400, "expired")
        ephemeral = h.firstStep("mailer")
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "\#(try h.latestEmailCode("mailer"))"}"#).0 == 200)
    }
}
