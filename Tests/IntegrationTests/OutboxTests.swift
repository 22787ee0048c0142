import AuthKit
import Logging
import PostgreSQL
import Testing
import TestSupport

/// The outbox sender against a real PostgreSQL, with a clock the test controls.
@Suite struct OutboxTests {
    struct Recorder: Mailer {
        let fail: Bool
        let sent = Box()
        final class Box: @unchecked Sendable { var messages: [EmailMessage] = [] }
        func send(_ message: EmailMessage, now: UnixTime) throws {
            if fail { throw EmailError.transport("connection refused") }
            sent.messages.append(message)
        }
    }

    func setUp(_ extra: [String: String] = [:]) throws -> (PGConnection, Settings, TestClock) {
        let cluster = try PostgresCluster.shared.get()
        let db = try cluster.createDatabase()
        var env = ["AUTHKIT_DATABASE_URL": cluster.url(db), "AUTHKIT_SECRET_KEY": TestKeys.secretKey, "AUTHKIT_EMAIL_MAX_ATTEMPTS": "3",
                   "AUTHKIT_EMAIL_RETRY_DELAY": "0.01"]
        for (k, v) in extra { env[k] = v }
        let settings = try Settings.load(from: env)
        let connection = try PGConnection(conninfo: settings.database.url)
        try connection.simpleQuery("""
            INSERT INTO users (id, username, email, password) VALUES (1, 'u', 'u@example.com', '!');
            INSERT INTO mfa_methods (id, user_id, name, secret, backup_salt, backup_scheme) VALUES (1, 1, 'email', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 's', 'hmac_sha256');
            """)
        return (connection, settings, TestClock(seconds: 1_111_111_109))
    }

    func queue(_ connection: PGConnection, clock: TestClock) throws {
        let step = clock.seconds / 180
        try OutboxStore(connection).enqueue(userID: 1, methodID: 1, recipient: "u@example.com", step: step, interval: 180,
                                            validUntil: (step + 1) * 180, requestID: "r1")
    }

    @Test func deliversTheRecomputedCodeWithTemplates() throws {
        let (connection, settings, clock) = try setUp()
        try queue(connection, clock: clock)
        let mailer = Recorder(fail: false)
        let templates = EmailTemplates(text: "Your code: {{code}}\n", html: "<p>{{code}}</p>\n")
        let report = try OutboxSender(settings: settings, mailer: mailer, templates: templates, clock: clock).deliverDue(connection, logger: Logger(label: "t"))
        #expect(report.sent == 1)
        let code = TOTP(secret: Array("12345678901234567890".utf8), interval: 180).code(at: clock.seconds)
        #expect(mailer.sent.messages.first?.text == "Your code: \(code)\n")
        #expect(mailer.sent.messages.first?.html == "<p>\(code)</p>\n")
        #expect(try connection.query("SELECT status, attempts FROM email_outbox").string(0, 0) == "sent")
        // A second pass finds nothing to do.
        #expect(try OutboxSender(settings: settings, mailer: mailer, templates: .builtIn, clock: clock).deliverDue(connection, logger: Logger(label: "t")) == .init())
    }

    @Test func aCodeThatCanNoLongerBeValidIsNotSentLate() throws {
        let (connection, settings, clock) = try setUp()
        try queue(connection, clock: clock)
        clock.advance(seconds: 400)
        let mailer = Recorder(fail: false)
        let report = try OutboxSender(settings: settings, mailer: mailer, templates: .builtIn, clock: clock).deliverDue(connection, logger: Logger(label: "t"))
        #expect(report.expired == 1)
        #expect(mailer.sent.messages.isEmpty)
        #expect(try connection.query("SELECT status FROM email_outbox").string(0, 0) == "expired")
    }

    /// A code email is retried past AUTHKIT_EMAIL_MAX_ATTEMPTS for as long as its code can be
    /// used, then marked expired (never failed while the code still works).
    @Test func codeEmailsAreRetriedUntilTheCodeExpires() throws {
        let (connection, settings, clock) = try setUp()
        try queue(connection, clock: clock)
        let sender = OutboxSender(settings: settings, mailer: Recorder(fail: true), templates: .builtIn, clock: clock)
        var report = try sender.deliverDue(connection, logger: Logger(label: "t"))
        #expect(report.retried == 1)
        // Pushed back from when the row was queued (compared with now() this was flaky: the
        // back-off here is 20 ms, less than a loaded machine takes between two statements).
        let row = try connection.query("SELECT attempts, next_attempt_at > created_at, last_error, claim_token FROM email_outbox")
        #expect(row.int(0, 0) == 1)
        #expect(row.bool(0, 1) == true)
        #expect(row.string(0, 2)?.contains("connection refused") == true)
        #expect(row.string(0, 3) == nil, "a retry releases the claim")
        for _ in 0..<6 {
            _ = try connection.query("UPDATE email_outbox SET next_attempt_at = now()")
            report = try sender.deliverDue(connection, logger: Logger(label: "t"))
            #expect(report.retried == 1)
        }
        let pending = try connection.query("SELECT status, attempts FROM email_outbox")
        #expect(pending.string(0, 0) == "pending", "twice AUTHKIT_EMAIL_MAX_ATTEMPTS and still retried")
        #expect(pending.int(0, 1) == 7)
        clock.advance(seconds: 400)
        _ = try connection.query("UPDATE email_outbox SET next_attempt_at = now()")
        report = try sender.deliverDue(connection, logger: Logger(label: "t"))
        #expect(report.expired == 1)
        #expect(try connection.query("SELECT status FROM email_outbox").string(0, 0) == "expired")
    }

    /// A notice is retried like a code email: past AUTHKIT_EMAIL_MAX_ATTEMPTS for as long as
    /// SMTP cannot be reached (nothing is lost to an outage), then expired at its valid_until.
    @Test func noticesAreRetriedUntilTheyExpire() throws {
        let (connection, settings, clock) = try setUp()
        try OutboxStore(connection).enqueueNotice(userID: 1, recipient: "u@example.com", subject: "Hi", body: "text\n",
                                                  validUntil: clock.seconds + 86400, requestID: "r1")
        let sender = OutboxSender(settings: settings, mailer: Recorder(fail: true), templates: .builtIn, clock: clock)
        for _ in 0..<6 {
            _ = try connection.query("UPDATE email_outbox SET next_attempt_at = now()")
            #expect(try sender.deliverDue(connection, logger: Logger(label: "t")).retried == 1)
        }
        let pending = try connection.query("SELECT status, attempts, last_error FROM email_outbox")
        #expect(pending.string(0, 0) == "pending", "twice AUTHKIT_EMAIL_MAX_ATTEMPTS and still retried")
        #expect(pending.int(0, 1) == 6)
        #expect(pending.string(0, 2)?.contains("connection refused") == true)
        clock.advance(seconds: 86400)
        _ = try connection.query("UPDATE email_outbox SET next_attempt_at = now()")
        #expect(try sender.deliverDue(connection, logger: Logger(label: "t")).expired == 1)
        #expect(try connection.query("SELECT status FROM email_outbox").string(0, 0) == "expired")
    }

    /// What the SMTP server refuses for good (5xx) ends `failed` after AUTHKIT_EMAIL_MAX_ATTEMPTS
    /// attempts, a notice and a code email alike: such rows are not retried for days.
    @Test func aPermanentRefusalFailsAfterMaxAttempts() throws {
        struct Refuser: Mailer {
            func send(_ message: EmailMessage, now: UnixTime) throws {
                throw EmailError.rejected("SMTP delivery: Failed sending data to the peer (server replied 550)")
            }
        }
        let (connection, settings, clock) = try setUp()
        try OutboxStore(connection).enqueueNotice(userID: 1, recipient: "u@example.com", subject: "Hi", body: "text\n",
                                                  validUntil: clock.seconds + 86400, requestID: "r1")
        try queue(connection, clock: clock)
        let sender = OutboxSender(settings: settings, mailer: Refuser(), templates: .builtIn, clock: clock)
        var reports: [OutboxSender.Report] = []
        for _ in 0..<3 {
            _ = try connection.query("UPDATE email_outbox SET next_attempt_at = now()")
            reports.append(try sender.deliverDue(connection, logger: Logger(label: "t")))
        }
        #expect(reports.map(\.retried) == [2, 2, 0])
        #expect(reports.last?.failed == 2)
        let rows = try connection.query("SELECT status, attempts, last_error LIKE '%550%' FROM email_outbox ORDER BY id")
        for row in 0..<2 {
            #expect(rows.string(row, 0) == "failed")
            #expect(rows.int(row, 1) == 3)
            #expect(rows.bool(row, 2) == true)
        }
    }

    /// Codes go before notices: first every due code, and before each further notice the codes
    /// that became due meanwhile (one queued while the first notice is being sent goes next).
    @Test func codesAreSentBeforeQueuedNotices() throws {
        let (connection, settings, clock) = try setUp()
        let store = OutboxStore(connection)
        for i in 1...3 {
            try store.enqueueNotice(userID: 1, recipient: "u@example.com", subject: "Notice \(i)", body: "text\n",
                                    validUntil: clock.seconds + 86400, requestID: "r\(i)")
        }
        try queue(connection, clock: clock)
        let url = settings.database.url
        let queued = Recorder.Box()
        let mailer = Hook { message in
            // While the first notice is being sent, a sign-in queues another code.
            guard message.subject == "Notice 1", queued.messages.isEmpty else { return }
            queued.messages.append(message)
            let other = try PGConnection(conninfo: url)
            try queue(other, clock: clock)
        }
        let report = try OutboxSender(settings: settings, mailer: mailer, templates: .builtIn, clock: clock)
            .deliverDue(connection, logger: Logger(label: "t"))
        #expect(report.sent == 5)
        let code = EmailTemplates.builtIn.message(code: "000000", to: "u@example.com", from: "x@example.com").subject
        #expect(mailer.sent.messages.map(\.subject) == [code, "Notice 1", code, "Notice 2", "Notice 3"])
    }

    /// A mailer that runs `during` after accepting a message (while the sender holds the row).
    struct Hook: Mailer {
        let sent = Recorder.Box()
        let during: @Sendable (EmailMessage) throws -> Void
        func send(_ message: EmailMessage, now: UnixTime) throws {
            sent.messages.append(message)
            try during(message)
        }
    }

    static let leaseSettings = ["AUTHKIT_EMAIL_TIMEOUT": "1", "AUTHKIT_EMAIL_SEND_LEASE": "1.5"]

    /// The database connection is lost after the SMTP server accepted the message and before
    /// the row is marked sent: the claim was committed before SMTP, so the row is not lost, and
    /// it is sent once more after its lease, with the same Message-ID (the documented duplicate).
    @Test func aConnectionLostAfterTheSendCostsOneRepeatWithTheSameMessageID() throws {
        let (observer, settings, clock) = try setUp(Self.leaseSettings)
        try queue(observer, clock: clock)
        let url = settings.database.url
        let victim = try PGConnection(conninfo: url)
        let pid = try #require(try victim.query("SELECT pg_backend_pid()").int(0, 0))
        let killer = Hook { _ in
            let other = try PGConnection(conninfo: url)
            _ = try other.query("SELECT pg_terminate_backend($1)", [pid])
            // Until the backend is gone, so the mark meets a dead connection.
            var rounds = 0
            while try other.query("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", [pid]).int(0, 0) != 0, rounds < 250 {
                usleep(20_000)
                rounds += 1
            }
        }
        #expect(throws: (any Error).self, "the mark fails: the connection is gone") {
            try OutboxSender(settings: settings, mailer: killer, templates: .builtIn, clock: clock)
                .deliverDue(victim, logger: Logger(label: "t"))
        }
        #expect(killer.sent.messages.count == 1)
        // The first attempt left its trace, and the row is held until the lease ends.
        let held = try observer.query("SELECT status, attempts, lease_until > now() FROM email_outbox")
        #expect(held.string(0, 0) == "pending")
        #expect(held.int(0, 1) == 1)
        #expect(held.bool(0, 2) == true)

        let again = Recorder(fail: false)
        let sender = OutboxSender(settings: settings, mailer: again, templates: .builtIn, clock: clock)
        let fresh = try PGConnection(conninfo: url)
        #expect(try sender.deliverDue(fresh, logger: Logger(label: "t")).sent == 0, "not before the lease ends")
        #expect(Paths.waitFor(seconds: 10) {
            ((try? sender.deliverDue(fresh, logger: Logger(label: "t")).sent) ?? 0) == 1
        }, "sent again after the lease")
        let first = try #require(killer.sent.messages.first)
        let second = try #require(again.sent.messages.first)
        #expect(again.sent.messages.count == 1)
        #expect(first.messageID == second.messageID)
        #expect(first.text == second.text, "the same code")
        #expect(first.messageID?.hasPrefix("<outbox-1.") == true)
        #expect(first.messageID?.hasSuffix("@localhost>") == true)
        let done = try observer.query("SELECT status, attempts, claim_token IS NULL FROM email_outbox")
        #expect(done.string(0, 0) == "sent")
        #expect(done.int(0, 1) == 2)
        #expect(done.bool(0, 2) == true)
        // And nothing more, however long one waits.
        _ = try observer.query("UPDATE email_outbox SET next_attempt_at = now() - interval '1 hour'")
        #expect(try sender.deliverDue(fresh, logger: Logger(label: "t")) == .init())
    }

    /// Without a fault: one delivery, and none after the lease would have ended.
    @Test func withoutAFaultEachRowIsDeliveredOnce() throws {
        let (connection, settings, clock) = try setUp(Self.leaseSettings)
        try queue(connection, clock: clock)
        try queue(connection, clock: clock)
        let mailer = Recorder(fail: false)
        let sender = OutboxSender(settings: settings, mailer: mailer, templates: .builtIn, clock: clock)
        #expect(try sender.deliverDue(connection, logger: Logger(label: "t")).sent == 2)
        usleep(1_700_000)
        #expect(try sender.deliverDue(connection, logger: Logger(label: "t")) == .init())
        #expect(mailer.sent.messages.count == 2)
        #expect(Set(mailer.sent.messages.compactMap(\.messageID)).count == 2, "one Message-ID per row")
        let rendered = try #require(try mailer.sent.messages.first?.rendered(date: clock.now()))
        #expect(rendered.contains("\r\nMessage-ID: <outbox-1."))
    }

    /// A sender whose lease ran out (SMTP slower than the lease) cannot mark a row another
    /// sender has claimed since: its late mark changes nothing.
    @Test func aLateMarkDoesNotOverwriteANewerClaim() throws {
        let (connection, settings, clock) = try setUp(Self.leaseSettings)
        try queue(connection, clock: clock)
        let store = OutboxStore(connection)
        let stale = try #require(try store.claimNext(.code, after: 0, lease: 0.001, token: "a"))
        usleep(20_000)
        let current = try #require(try store.claimNext(.code, after: 0, lease: 30, token: "b"), "the lease ran out")
        #expect(try store.claimNext(.code, after: 0, lease: 30, token: "c")?.id == nil, "held by b")
        #expect(try store.markSent(stale) == false)
        #expect(try store.markFailed(stale, error: "x") == false)
        #expect(try connection.query("SELECT status, claim_token FROM email_outbox").string(0, 1) == "b")
        #expect(try store.markSent(current) == true)
        #expect(try connection.query("SELECT status FROM email_outbox").string(0, 0) == "sent")
        _ = settings
    }

    @Test func finishedRowsArePurgedAfterRetention() throws {
        let (connection, _, clock) = try setUp()
        try queue(connection, clock: clock)
        try queue(connection, clock: clock)
        try queue(connection, clock: clock)
        _ = try connection.query("UPDATE email_outbox SET status = 'sent', created_at = now() - interval '8 days' WHERE id = (SELECT min(id) FROM email_outbox)")
        _ = try connection.query("UPDATE email_outbox SET status = 'failed', created_at = now() - interval '1 day' WHERE id = (SELECT max(id) FROM email_outbox)")
        #expect(try OutboxStore(connection).purgeFinished(olderThan: 7 * 86400, limit: 1000) == 1)
        // The recent failure and the pending row stay.
        #expect(try connection.query("SELECT string_agg(status, ',' ORDER BY id) FROM email_outbox").string(0, 0) == "pending,failed")
    }

    @Test func anAddressWithALineBreakFailsAtOnce() throws {
        let (connection, settings, clock) = try setUp()
        let step = clock.seconds / 180
        try OutboxStore(connection).enqueue(userID: 1, methodID: 1, recipient: "u@example.com\r\nBcc: x@y.z", step: step, interval: 180,
                                            validUntil: (step + 1) * 180, requestID: "r")
        let report = try OutboxSender(settings: settings, mailer: FileMailer(directory: try Paths.temporaryDirectory("authkit-inj")),
                                      templates: .builtIn, clock: clock).deliverDue(connection, logger: Logger(label: "t"))
        #expect(report.failed == 1)
        #expect(try connection.query("SELECT status, attempts FROM email_outbox").string(0, 0) == "failed")
    }

    @Test func templatesMustContainThePlaceholder() throws {
        let dir = try Paths.temporaryDirectory("authkit-templates")
        try "Code: {{code}}".write(toFile: dir + "/verification_code.txt", atomically: true, encoding: .utf8)
        try "<b>no placeholder</b>".write(toFile: dir + "/verification_code.html", atomically: true, encoding: .utf8)
        let settings = try Settings.load(from: ["AUTHKIT_EMAIL_TEMPLATE_DIR": dir], requireDatabase: false)
        #expect(throws: SettingsError.self) { try EmailTemplates.load(settings.email) }
        try "<b>{{code}}</b>".write(toFile: dir + "/verification_code.html", atomically: true, encoding: .utf8)
        let t = try EmailTemplates.load(settings.email)
        #expect(t.message(code: "<1&2>", to: "a@b.c", from: "f@g.h").html == "<b>&lt;1&amp;2&gt;</b>")
    }

    /// A sent notice keeps no text: a password-reset link in a database dump must not work.
    @Test func aDeliveredNoticeKeepsNoText() throws {
        let (connection, settings, clock) = try setUp()
        try OutboxStore(connection).enqueueNotice(userID: 1, recipient: "u@example.com", subject: "Reset",
                                                  body: "https://app.example/reset?uid=1&token=secret\n",
                                                  validUntil: clock.seconds + 3600, requestID: "r1")
        let mailer = Recorder(fail: false)
        let report = try OutboxSender(settings: settings, mailer: mailer, templates: .builtIn, clock: clock)
            .deliverDue(connection, logger: Logger(label: "t"))
        #expect(report.sent == 1)
        #expect(mailer.sent.messages.first?.text.contains("token=secret") == true)
        #expect(try connection.query("SELECT status || '|' || body FROM email_outbox WHERE kind = 'notice'").string(0, 0) == "sent|")
    }
}

import Foundation

extension OutboxSender {
    /// The sender from the groups `ServiceSetup.outboxSender` gives it, with this test's mailer and templates.
    init(settings: Settings, mailer: any Mailer, templates: EmailTemplates, clock: any TimeSource) {
        self.init(settings: settings.email, from: settings.mfa.fromEmail,
                  secrets: SecretBox(keys: settings.security.encryptionKeys), mailer: mailer, templates: templates,
                  clock: clock)
    }
}
