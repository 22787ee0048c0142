import CryptoCore
import Logging
import PostgreSQL

/// Delivers due outbox rows: derives each code from the method's secret and the row's counter
/// (or sends a notice's stored text), skips codes that can no longer be valid, and retries
/// failures with exponential back-off: a code email until its code expires (then `expired`), a
/// notice up to AUTHKIT_EMAIL_MAX_ATTEMPTS times (then `failed`, logged, never silently).
///
/// Each row is claimed with a lease committed before SMTP and marked after it (`OutboxStore`):
/// delivery is at least once; a duplicate happens only when the sender loses its database
/// connection (or dies) after the SMTP server accepted the message and before the mark, and then
/// carries the same Message-ID, derived from the row.
public struct OutboxSender: Sendable {
    public struct Report: Sendable, Equatable {
        public var sent = 0
        public var retried = 0
        public var failed = 0
        public var expired = 0
        public init() {}
    }

    let settings: EmailSettings
    /// The From address (AUTHKIT_DEFAULT_FROM_EMAIL).
    let sender: String
    /// Opens the method secrets that code emails are derived from.
    let secrets: SecretBox
    let mailer: any Mailer
    let templates: EmailTemplates
    let clock: any TimeSource

    /// `from`: the From address; `secrets`: the TOTP secret keys (`SecuritySettings.encryptionKeys`).
    public init(settings: EmailSettings, from: String, secrets: SecretBox, mailer: any Mailer,
                templates: EmailTemplates, clock: any TimeSource) {
        self.settings = settings
        sender = from
        self.secrets = secrets
        self.mailer = mailer
        self.templates = templates
        self.clock = clock
    }

    /// Sends everything due now, one row per claim: one pass over the queue (a row retried
    /// meanwhile waits for the next pass). Code emails go first, and before each notice every
    /// code that became due meanwhile: a code is good for minutes, a notice can wait, so no
    /// backlog of notices (a wave of reset links, a slow SMTP server) holds up sign-ins. Each
    /// kind in id order. Runs outside any transaction: each claim and each mark commits on its
    /// own. Throws when the database fails; the claimed row then waits for its lease to end.
    public func deliverDue(_ connection: PGConnection, logger: Logger) throws -> Report {
        var report = Report()
        let store = OutboxStore(connection)
        var codes: Int64 = 0
        var notices: Int64 = 0
        func claim(_ kind: OutboxStore.Kind, after cursor: Int64) throws -> OutboxStore.Item? {
            try store.claimNext(kind, after: cursor, lease: settings.sendLease,
                                token: Hex.encode(SecureRandom.bytes(16)))
        }
        while true {
            if let code = try claim(.code, after: codes) {
                codes = code.id
                try deliver(code, store: store, report: &report, logger: logger)
            } else if let notice = try claim(.notice, after: notices) {
                notices = notice.id
                try deliver(notice, store: store, report: &report, logger: logger)
            } else {
                return report
            }
        }
    }

    private func deliver(_ item: OutboxStore.Item, store: OutboxStore, report: inout Report, logger: Logger) throws {
        let now = clock.now()
        var log = logger
        log[metadataKey: "outbox_id"] = "\(item.id)"
        guard now.seconds < item.validUntil else {
            try store.markExpired(item)
            report.expired += 1
            log.warning("email not sent: it expired before it could be delivered")
            return
        }
        var message: EmailMessage
        switch item.content {
        case .code(let sealed, let methodName, let counter):
            let secret = try? secrets.open(sealed, userID: item.userID, method: methodName)
            guard let secret, let hotp = TOTP(base32: secret, interval: 1) else {
                try store.markFailed(item, error: "method secret unreadable")
                report.failed += 1
                log.error("code email failed: method secret unreadable")
                return
            }
            message = templates.message(code: hotp.code(step: counter), to: item.recipient, from: sender)
        case .notice(let subject, let body):
            message = EmailMessage(from: sender, to: item.recipient, subject: subject, text: body,
                                   html: EmailTemplates.escapeHTML(body))
        }
        message.messageID = EmailMessage.outboxMessageID(id: item.id, createdMicroseconds: item.createdMicroseconds,
                                                         from: sender)
        do {
            try mailer.send(message, now: now)
        } catch EmailError.headerInjection {
            // Retrying cannot help: the address itself is unusable.
            try store.markFailed(item, error: "\(EmailError.headerInjection)")
            report.failed += 1
            log.error("email refused: a header value contains a line break")
            return
        } catch {
            try retryOrGiveUp(item, error: error, now: now, store: store, report: &report, logger: log)
            return
        }
        // The SMTP server has the message. Should this mark fail (database gone), the row is sent
        // again after its lease, with the same Message-ID: the documented duplicate window.
        if try store.markSent(item) {
            report.sent += 1
            log.info("email delivered", metadata: ["attempt": "\(item.attempts)"])
        } else {
            report.sent += 1
            log.warning("email delivered after its claim was lost: it may be delivered again (same Message-ID)",
                        metadata: ["attempt": "\(item.attempts)"])
        }
    }

    /// Every email is retried while it is still worth delivering (a code while it can be used, a
    /// notice until its `valid_until`), however long SMTP is unreachable or answers 4xx: nothing
    /// is lost to an outage. Only a permanent refusal (5xx) ends a row early, once it has had
    /// `maxAttempts` attempts in all: what the server refuses for good is not retried for days,
    /// so addresses an attacker registers cannot keep the sender busy.
    private func retryOrGiveUp(_ item: OutboxStore.Item, error: any Error, now: UnixTime, store: OutboxStore,
                               report: inout Report, logger log: Logger) throws {
        let attempts = item.attempts
        let reason = "\(error)"
        let delay = min(settings.retryDelay * Double(1 << min(attempts - 1, 20)), settings.retryMaxDelay)
        let refused: Bool = if case EmailError.rejected = error { true } else { false }
        if refused && attempts >= settings.maxAttempts {
            try store.markFailed(item, error: reason)
            report.failed += 1
            log.error("email refused by the SMTP server for good",
                      metadata: ["attempts": "\(attempts)", "error": "\(reason)"])
        } else if Double(now.seconds) + delay >= Double(item.validUntil) {
            try store.markExpired(item, error: reason)
            report.expired += 1
            log.error(item.isCode ? "code email not delivered before its code expired"
                                  : "notice email not delivered before it expired",
                      metadata: ["attempts": "\(attempts)", "error": "\(reason)"])
        } else {
            try store.scheduleRetry(item, error: reason, afterMilliseconds: Int(delay * 1000))
            report.retried += 1
            log.warning("email delivery failed; will retry",
                        metadata: ["attempts": "\(attempts)", "retry_in_s": "\(delay)", "error": "\(reason)"])
        }
    }
}
