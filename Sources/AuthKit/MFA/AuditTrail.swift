import PostgreSQL

/// SQL for `mfa_events`. Callers write an event on the connection (and inside the
/// transaction) that makes the change it records; statements that change state on their own
/// (a failure, a backup code, an unlock) write their events in the same statement.
public struct AuditTrail {
    let connection: PGConnection

    public init(_ connection: PGConnection) { self.connection = connection }

    static let insert = PGStatement("mfa_event_insert", """
        INSERT INTO mfa_events (user_id, method_id, method, event, code_kind, details, client_ip, request_id,
                                user_agent_hash)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::inet, $8, $9)
        """)
    static let forUser = PGStatement("mfa_events_for_user", """
        SELECT id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), method, event,
               coalesce(code_kind, ''),
               coalesce(host(client_ip), ''), coalesce(request_id, ''), coalesce(user_agent_hash, '')
        FROM mfa_events WHERE user_id = $1 ORDER BY id DESC LIMIT $2
        """)
    static let purge = PGStatement("mfa_events_purge", Purge.sql(
        "mfa_events", where: "occurred_at < now() - $1 * interval '1 day'", limitParameter: 2))

    /// `kind`: the evidence kind that authorised the change; `details`: a JSON object without secrets.
    public func record(_ event: MFAEvent, method: MFAMethod, kind: String? = nil, details: String? = nil,
                       origin: EventOrigin) throws {
        try connection.execute(Self.insert, [method.userID, method.id, method.name, event.rawValue, kind, details]
                                            + origin.parameters)
    }

    /// One row of `authkit events`.
    public struct Row: Sendable, Equatable {
        public let id: Int64
        public let time: String
        public let method: String
        public let event: String
        public let codeKind: String
        public let clientIP: String
        public let requestID: String
        public let userAgentHash: String
    }

    /// The user's newest `limit` events, newest first.
    public func events(userID: Int64, limit: Int) throws -> [Row] {
        let r = try connection.execute(Self.forUser, [userID, limit])
        return try (0..<r.rowCount).map { i in
            Row(id: Int64(try r.requiredInt(i, 0)), time: try r.required(i, 1), method: try r.required(i, 2),
                event: try r.required(i, 3), codeKind: try r.required(i, 4), clientIP: try r.required(i, 5),
                requestID: try r.required(i, 6), userAgentHash: try r.required(i, 7))
        }
    }

    /// Deletes at most `limit` events older than `days` days; returns how many.
    public func purge(olderThanDays days: Int, limit: Int) throws -> Int {
        try connection.execute(Self.purge, [days, limit]).affectedRows
    }
}
