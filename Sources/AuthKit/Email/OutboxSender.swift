import Logging
import PostgreSQL

/// Delivers due outbox rows: derives each code from the method's secret and the row's counter
/// (or sends a notice's stored text), skips codes that can no longer be valid, retries failures with exponential back-off and gives up
/// (logged, never silently) after AUTHKIT_EMAIL_MAX_ATTEMPTS.
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
    static let batch = 20

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

    /// Sends everything due now, a batch per transaction.
    public func deliverDue(_ connection: PGConnection, logger: Logger) throws -> Report {
        var report = Report()
        while true {
            let claimed = try connection.transaction { () -> Int in
                let store = OutboxStore(connection)
                let items = try store.claimDue(limit: Self.batch)
                for item in items { try deliver(item, store: store, report: &report, logger: logger) }
                return items.count
            }
            if claimed < Self.batch { return report }
        }
    }

    private func deliver(_ item: OutboxStore.Item, store: OutboxStore, report: inout Report, logger: Logger) throws {
        let now = clock.now()
        var log = logger
        log[metadataKey: "outbox_id"] = "\(item.id)"
        guard now.seconds < item.validUntil else {
            try store.markExpired(item.id)
            report.expired += 1
            log.warning("code email not sent: the code expired before it could be delivered")
            return
        }
        let message: EmailMessage
        switch item.content {
        case .code(let sealed, let methodName, let counter):
            let secret = try? secrets.open(sealed, userID: item.userID, method: methodName)
            guard let secret, let hotp = TOTP(base32: secret, interval: 1) else {
                try store.markFailed(item.id, error: "method secret unreadable")
                report.failed += 1
                log.error("code email failed: method secret unreadable")
                return
            }
            message = templates.message(code: hotp.code(step: counter), to: item.recipient, from: sender)
        case .notice(let subject, let body):
            message = EmailMessage(from: sender, to: item.recipient, subject: subject, text: body,
                                   html: EmailTemplates.escapeHTML(body))
        }
        do {
            try mailer.send(message, now: now)
            try store.markSent(item.id)
            report.sent += 1
            log.info("code email delivered", metadata: ["attempt": "\(item.attempts + 1)"])
        } catch EmailError.headerInjection {
            // Retrying cannot help: the address itself is unusable.
            try store.markFailed(item.id, error: "\(EmailError.headerInjection)")
            report.failed += 1
            log.error("code email refused: a header value contains a line break")
        } catch {
            let reason = "\(error)"
            let attempts = item.attempts + 1
            if attempts >= settings.maxAttempts {
                try store.markFailed(item.id, error: reason)
                report.failed += 1
                log.error("code email failed for good", metadata: ["attempts": "\(attempts)", "error": "\(reason)"])
            } else {
                let delay = min(settings.retryDelay * Double(1 << min(attempts - 1, 20)), settings.retryMaxDelay)
                try store.scheduleRetry(item.id, error: reason, afterMilliseconds: Int(delay * 1000))
                report.retried += 1
                log.warning("code email delivery failed; will retry", metadata: ["attempts": "\(attempts)", "retry_in_s": "\(delay)", "error": "\(reason)"])
            }
        }
    }
}
