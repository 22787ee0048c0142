import PostgreSQL

/// SQL for `email_outbox`. A sender claims one row at a time with FOR UPDATE SKIP LOCKED in a
/// statement of its own that sets a lease and a claim token and commits before any SMTP traffic;
/// every later mark of that attempt is conditional on the token. So two senders never hold one
/// row, a sender that dies (or loses its connection) releases the row when the lease ends, and a
/// late mark cannot overwrite a newer claim.
public struct OutboxStore {
    let connection: PGConnection

    public init(_ connection: PGConnection) { self.connection = connection }

    public struct Item: Sendable {
        public let id: Int64
        public let recipient: String
        public let validUntil: Int64
        /// Attempts including this one (counted at the claim).
        public let attempts: Int
        public let userID: Int64
        public let content: Content
        /// The claim's token: the marks below apply only while the row still carries it.
        public let token: String
        /// When the row was queued (microseconds since the epoch): part of its Message-ID.
        public let createdMicroseconds: Int64
        public var isCode: Bool { if case .code = content { true } else { false } }
    }

    /// What a row sends: a code derived from the method's secret and the row's counter, or a
    /// notice whose text is stored.
    /// The `kind` column: the sender claims each on its own, codes first.
    public enum Kind: String, Sendable { case code, notice }

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
    /// One due row of kind `$4` after `$1` (id order), leased for `$3` ms under token `$2`. next_attempt_at
    /// moves to the lease's end too, so the due index alone keeps other senders off the row.
    static let claim = PGStatement("outbox_claim", """
        WITH due AS (
            SELECT o.id, m.secret, m.name FROM email_outbox o LEFT JOIN mfa_methods m ON m.id = o.method_id
            WHERE o.status = 'pending' AND o.next_attempt_at <= now() AND o.id > $1 AND o.kind = $4
            ORDER BY o.id LIMIT 1
            FOR UPDATE OF o SKIP LOCKED)
        UPDATE email_outbox o SET attempts = o.attempts + 1, claim_token = $2,
               lease_until = now() + $3 * interval '1 millisecond',
               next_attempt_at = now() + $3 * interval '1 millisecond'
        FROM due WHERE o.id = due.id
        RETURNING o.id, o.recipient, o.step, o.kind, extract(epoch FROM o.valid_until)::bigint, o.attempts, due.secret,
                  o.user_id, due.name, o.subject, o.body, (extract(epoch FROM o.created_at) * 1000000)::bigint
        """)
    /// A finished notice keeps no text: a password-reset link is a credential until it expires,
    /// and a database dump must not hold usable ones.
    static let forgetNotice = "body = CASE WHEN kind = 'notice' THEN '' ELSE body END"
    /// Ends the claim (every mark does): the row is free, for a retry or for good.
    static let release = "claim_token = NULL, lease_until = NULL"
    static let held = "WHERE id = $1 AND claim_token = $2"
    static let sent = PGStatement("outbox_sent", """
        UPDATE email_outbox SET status = 'sent', sent_at = now(), last_error = NULL, \(release), \(forgetNotice)
        \(held)
        """)
    static let retry = PGStatement("outbox_retry", """
        UPDATE email_outbox SET last_error = $3, next_attempt_at = now() + $4 * interval '1 millisecond', \(release)
        \(held)
        """)
    static let failed = PGStatement("outbox_failed",
        "UPDATE email_outbox SET status = 'failed', last_error = $3, \(release), \(forgetNotice) \(held)")
    static let expired = PGStatement("outbox_expired", """
        UPDATE email_outbox SET status = 'expired', last_error = coalesce($3, last_error), \(release), \(forgetNotice)
        \(held)
        """)
    static let purge = PGStatement("outbox_purge", Purge.sql(
        "email_outbox", where: "status <> 'pending' AND created_at < now() - $1 * interval '1 second'",
        limitParameter: 2))

    public func enqueue(userID: Int64, methodID: Int64, recipient: String, step: Int64, interval: Int64,
                        validUntil: Int64, requestID: String) throws {
        try connection.execute(Self.enqueue, [userID, methodID, recipient, step, interval, validUntil, requestID])
    }

    /// Queues a notice (no secret in it) to `recipient`, valid for delivery until `validUntil`.
    public func enqueueNotice(userID: Int64, recipient: String, subject: String, body: String, validUntil: Int64,
                              requestID: String) throws {
        try connection.execute(Self.enqueueNotice, [userID, recipient, subject, body, validUntil, requestID])
    }

    /// Claims the first due row of `kind` with an id above `after`, leased for `lease` seconds,
    /// and commits that claim (run it outside a transaction). nil: nothing of that kind is due.
    public func claimNext(_ kind: Kind, after: Int64, lease: Double, token: String) throws -> Item? {
        let r = try connection.execute(Self.claim, [after, token, Int(lease * 1000), kind.rawValue])
        guard r.rowCount == 1 else { return nil }
        let content: Content = try r.required(0, 3) == "notice"
            ? .notice(subject: try r.required(0, 9), body: try r.required(0, 10))
            : .code(secret: try r.required(0, 6), methodName: try r.required(0, 8),
                    counter: Int64(try r.requiredInt(0, 2)))
        return Item(id: Int64(try r.requiredInt(0, 0)), recipient: try r.required(0, 1),
                    validUntil: Int64(try r.requiredInt(0, 4)), attempts: try r.requiredInt(0, 5),
                    userID: Int64(try r.requiredInt(0, 7)), content: content, token: token,
                    createdMicroseconds: Int64(try r.requiredInt(0, 11)))
    }

    // Each mark returns false when the claim was lost: its lease ran out and another sender took
    // the row (or it was finished meanwhile); the row is then left as that sender has it.

    public func markSent(_ item: Item) throws -> Bool {
        try connection.execute(Self.sent, [item.id, item.token]).affectedRows == 1
    }

    @discardableResult
    public func markExpired(_ item: Item, error: String? = nil) throws -> Bool {
        try connection.execute(Self.expired, [item.id, item.token, error]).affectedRows == 1
    }

    @discardableResult
    public func markFailed(_ item: Item, error: String) throws -> Bool {
        try connection.execute(Self.failed, [item.id, item.token, error]).affectedRows == 1
    }

    @discardableResult
    public func scheduleRetry(_ item: Item, error: String, afterMilliseconds delay: Int) throws -> Bool {
        try connection.execute(Self.retry, [item.id, item.token, error, delay]).affectedRows == 1
    }

    /// Deletes at most `limit` finished rows older than `retention` seconds; returns how many.
    @discardableResult
    public func purgeFinished(olderThan retention: Int64, limit: Int) throws -> Int {
        try connection.execute(Self.purge, [retention, limit]).affectedRows
    }
}
