import PostgreSQL

/// SQL for `email_outbox`. Senders claim rows with FOR UPDATE SKIP LOCKED, so several
/// instances never send the same row twice.
public struct OutboxStore {
    let connection: PGConnection

    public init(_ connection: PGConnection) { self.connection = connection }

    public struct Item: Sendable {
        public let id: Int64
        public let recipient: String
        public let validUntil: Int64
        public let attempts: Int
        public let userID: Int64
        public let content: Content
    }

    /// What a row sends: a code derived from the method's secret and the row's counter, or a
    /// notice whose text is stored.
    public enum Content: Sendable {
        case code(secret: String, methodName: String, counter: Int64)
        case notice(subject: String, body: String)
    }

    static let enqueue = PGStatement("outbox_enqueue", """
        INSERT INTO email_outbox (user_id, method_id, recipient, step, interval_seconds, valid_until, request_id)
        VALUES ($1, $2, $3, $4, $5, to_timestamp($6), $7)
        """)
    static let enqueueNotice = PGStatement("outbox_enqueue_notice", """
        INSERT INTO email_outbox (user_id, kind, recipient, subject, body, valid_until, request_id)
        VALUES ($1, 'notice', $2, $3, $4, to_timestamp($5), $6)
        """)
    static let claim = PGStatement("outbox_claim", """
        SELECT o.id, o.recipient, o.step, o.kind, extract(epoch FROM o.valid_until)::bigint, o.attempts, m.secret,
               o.user_id, m.name, o.subject, o.body
        FROM email_outbox o LEFT JOIN mfa_methods m ON m.id = o.method_id
        WHERE o.status = 'pending' AND o.next_attempt_at <= now()
        ORDER BY o.id LIMIT $1
        FOR UPDATE OF o SKIP LOCKED
        """)
    /// A finished notice keeps no text: a password-reset link is a credential until it expires,
    /// and a database dump must not hold usable ones.
    static let forgetNotice = "body = CASE WHEN kind = 'notice' THEN '' ELSE body END"
    static let sent = PGStatement("outbox_sent", """
        UPDATE email_outbox SET status = 'sent', attempts = attempts + 1, sent_at = now(), last_error = NULL,
               \(forgetNotice)
        WHERE id = $1
        """)
    static let retry = PGStatement("outbox_retry", """
        UPDATE email_outbox SET attempts = attempts + 1, last_error = $2,
               next_attempt_at = now() + $3 * interval '1 millisecond' WHERE id = $1
        """)
    static let failed = PGStatement("outbox_failed",
        "UPDATE email_outbox SET status = 'failed', attempts = attempts + 1, last_error = $2, \(forgetNotice) WHERE id = $1")
    static let expired = PGStatement("outbox_expired",
        "UPDATE email_outbox SET status = 'expired', \(forgetNotice) WHERE id = $1")
    static let purge = PGStatement("outbox_purge",
        "DELETE FROM email_outbox WHERE status <> 'pending' AND created_at < now() - $1 * interval '1 second'")

    public func enqueue(userID: Int64, methodID: Int64, recipient: String, step: Int64, interval: Int64,
                        validUntil: Int64, requestID: String) throws {
        try connection.execute(Self.enqueue, [userID, methodID, recipient, step, interval, validUntil, requestID])
    }

    /// Queues a notice (no secret in it) to `recipient`, valid for delivery until `validUntil`.
    public func enqueueNotice(userID: Int64, recipient: String, subject: String, body: String, validUntil: Int64,
                              requestID: String) throws {
        try connection.execute(Self.enqueueNotice, [userID, recipient, subject, body, validUntil, requestID])
    }

    /// Locks up to `limit` due rows until the surrounding transaction ends.
    public func claimDue(limit: Int) throws -> [Item] {
        let r = try connection.execute(Self.claim, [limit])
        return try (0..<r.rowCount).map { row in
            let content: Content = try r.required(row, 3) == "notice"
                ? .notice(subject: try r.required(row, 9), body: try r.required(row, 10))
                : .code(secret: try r.required(row, 6), methodName: try r.required(row, 8), counter: Int64(try r.requiredInt(row, 2)))
            return Item(id: Int64(try r.requiredInt(row, 0)), recipient: try r.required(row, 1), validUntil: Int64(try r.requiredInt(row, 4)),
                        attempts: try r.requiredInt(row, 5), userID: Int64(try r.requiredInt(row, 7)), content: content)
        }
    }

    public func markSent(_ id: Int64) throws { try connection.execute(Self.sent, [id]) }
    public func markExpired(_ id: Int64) throws { try connection.execute(Self.expired, [id]) }
    public func markFailed(_ id: Int64, error: String) throws { try connection.execute(Self.failed, [id, error]) }

    public func scheduleRetry(_ id: Int64, error: String, afterMilliseconds delay: Int) throws {
        try connection.execute(Self.retry, [id, error, delay])
    }

    /// Deletes finished rows older than `retention` seconds; returns how many.
    @discardableResult
    public func purgeFinished(olderThan retention: Int64) throws -> Int {
        try connection.execute(Self.purge, [retention]).affectedRows
    }
}
