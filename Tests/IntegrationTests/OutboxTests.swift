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

    @Test func failuresAreRetriedWithBackOffThenMarkedFailed() throws {
        let (connection, settings, clock) = try setUp()
        try queue(connection, clock: clock)
        let sender = OutboxSender(settings: settings, mailer: Recorder(fail: true), templates: .builtIn, clock: clock)
        var first = try sender.deliverDue(connection, logger: Logger(label: "t"))
        #expect(first.retried == 1)
        // Pushed back from when the row was queued (compared with now() this was flaky: the
        // back-off here is 20 ms, less than a loaded machine takes between two statements).
        let row = try connection.query("SELECT attempts, next_attempt_at > created_at, last_error FROM email_outbox")
        #expect(row.int(0, 0) == 1)
        #expect(row.bool(0, 1) == true)
        #expect(row.string(0, 2)?.contains("connection refused") == true)
        for _ in 0..<3 {
            _ = try connection.query("UPDATE email_outbox SET next_attempt_at = now()")
            first = try sender.deliverDue(connection, logger: Logger(label: "t"))
        }
        let final = try connection.query("SELECT status, attempts FROM email_outbox")
        #expect(final.string(0, 0) == "failed")
        #expect(final.int(0, 1) == 3)
    }

    @Test func finishedRowsArePurgedAfterRetention() throws {
        let (connection, _, clock) = try setUp()
        try queue(connection, clock: clock)
        try queue(connection, clock: clock)
        try queue(connection, clock: clock)
        _ = try connection.query("UPDATE email_outbox SET status = 'sent', created_at = now() - interval '8 days' WHERE id = (SELECT min(id) FROM email_outbox)")
        _ = try connection.query("UPDATE email_outbox SET status = 'failed', created_at = now() - interval '1 day' WHERE id = (SELECT max(id) FROM email_outbox)")
        #expect(try OutboxStore(connection).purgeFinished(olderThan: 7 * 86400) == 1)
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
