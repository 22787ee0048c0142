import PostgreSQL

/// SQL for `mfa_methods`. Attempts are reserved and codes consumed by single atomic
/// statements (`Redemptions`), so concurrent requests cannot get around a limit or both use
/// one code, on any instance.
public struct MFAStore {
    let connection: PGConnection

    public init(_ connection: PGConnection) { self.connection = connection }

    /// The audit trail on the same connection (and transaction).
    public var trail: AuditTrail { AuditTrail(connection) }
    /// The outbox on the same connection (and transaction), for notices of the change.
    public var outbox: OutboxStore { OutboxStore(connection) }

    static let columns = """
        id, user_id, name, secret, is_primary, is_active, backup_salt, backup_scheme, last_used_step, failed_attempts,
        ceil(extract(epoch FROM blocked_until))::bigint, locked_at IS NOT NULL, email_code_hash,
        extract(epoch FROM email_code_sent_at)::bigint, cardinality(backup_codes)
        """

    static let forUser = PGStatement("mfa_for_user",
        "SELECT \(columns) FROM mfa_methods WHERE user_id = $1 ORDER BY id")
    static let byName = PGStatement("mfa_by_name",
        "SELECT \(columns) FROM mfa_methods WHERE user_id = $1 AND name = $2")
    /// The method challenged at login: the primary, else the oldest active one.
    static let challenge = PGStatement("mfa_challenge",
        "SELECT \(columns) FROM mfa_methods WHERE user_id = $1 AND is_active ORDER BY is_primary DESC, id LIMIT 1")
    static let insert = PGStatement("mfa_insert", """
        INSERT INTO mfa_methods (user_id, name, secret, backup_salt, backup_scheme, backup_codes)
        VALUES ($1, $2, $3, $4, $5, $6::text[]) ON CONFLICT (user_id, name) DO NOTHING RETURNING id
        """)

    /// Reserves one attempt before any code is evaluated: refused inside a delay or when locked.
    /// From the `threshold`-th attempt on, each reservation also starts the next delay (1, 2, 4
    /// ... s, capped), and the one that reaches `lockAfter` locks the method, so concurrent
    /// guesses get at most `threshold` evaluations, then one per delay. The attempt is written
    /// to the trail as a failure (plus `locked`) in the same statement; a right code turns that
    /// row into its success (`Redemptions`), so a wrong code costs this one statement.
    static let reserveAttempt = PGStatement("mfa_reserve_attempt", """
        WITH reserved AS (
            UPDATE mfa_methods SET
                failed_attempts = failed_attempts + 1,
                blocked_until = CASE WHEN failed_attempts + 1 >= $2
                    THEN to_timestamp($4)
                        + least(power(2, least(failed_attempts + 1 - $2, 30)), $3) * interval '1 second'
                    ELSE blocked_until END,
                locked_at = CASE WHEN failed_attempts + 1 >= $5 THEN to_timestamp($4) END
            WHERE id = $1 AND locked_at IS NULL AND (blocked_until IS NULL OR blocked_until <= to_timestamp($4))
            RETURNING id, user_id, name, failed_attempts, locked_at IS NOT NULL AS locks
        ), event AS (
            INSERT INTO mfa_events (user_id, method_id, method, event, code_kind, client_ip, request_id,
                                    user_agent_hash)
            SELECT r.user_id, r.id, r.name, e.event, CASE WHEN e.ord = 0 THEN $7 END, $8::inet, $9, $10
            FROM reserved r CROSS JOIN (VALUES ($6::text, 0), ('locked', 1)) AS e (event, ord)
            WHERE e.ord = 0 OR r.locks
            RETURNING id, event
        )
        SELECT r.failed_attempts, r.locks, (SELECT id FROM event WHERE event <> 'locked'),
               (SELECT id FROM event WHERE event = 'locked')
        FROM reserved r
        """)
    /// The same for a client presenting a valid device cookie (`$11`, its device id): counted
    /// in `mfa_device_attempts`, its own budget, so others' failures never throttle it.
    static let reserveDeviceAttempt = PGStatement("mfa_reserve_device_attempt", """
        WITH reserved AS (
            INSERT INTO mfa_device_attempts AS a (method_id, device_id, failed_attempts, blocked_until, locked_at,
                                                  updated_at)
            VALUES ($1, $11, 1, CASE WHEN 1 >= $2 THEN to_timestamp($4) + interval '1 second' END,
                    CASE WHEN 1 >= $5 THEN to_timestamp($4) END, to_timestamp($4))
            ON CONFLICT (method_id, device_id) DO UPDATE SET
                failed_attempts = a.failed_attempts + 1,
                blocked_until = CASE WHEN a.failed_attempts + 1 >= $2
                    THEN to_timestamp($4)
                        + least(power(2, least(a.failed_attempts + 1 - $2, 30)), $3) * interval '1 second'
                    ELSE a.blocked_until END,
                locked_at = CASE WHEN a.failed_attempts + 1 >= $5 THEN to_timestamp($4) END,
                updated_at = to_timestamp($4)
            WHERE a.locked_at IS NULL AND (a.blocked_until IS NULL OR a.blocked_until <= to_timestamp($4))
            RETURNING method_id, failed_attempts, locked_at IS NOT NULL AS locks
        ), event AS (
            INSERT INTO mfa_events (user_id, method_id, method, event, code_kind, details, client_ip, request_id,
                                    user_agent_hash)
            SELECT m.user_id, m.id, m.name, e.event, CASE WHEN e.ord = 0 THEN $7 END, '{"trusted_device": true}'::jsonb,
                   $8::inet, $9, $10
            FROM reserved r JOIN mfa_methods m ON m.id = r.method_id
            CROSS JOIN (VALUES ($6::text, 0), ('locked', 1)) AS e (event, ord)
            WHERE e.ord = 0 OR r.locks
            RETURNING id, event
        )
        SELECT r.failed_attempts, r.locks, (SELECT id FROM event WHERE event <> 'locked'),
               (SELECT id FROM event WHERE event = 'locked')
        FROM reserved r
        """)
    static let deviceAttemptState = PGStatement("mfa_device_attempt_state", """
        SELECT ceil(extract(epoch FROM blocked_until))::bigint FROM mfa_device_attempts
        WHERE method_id = $1 AND device_id = $3 AND blocked_until > to_timestamp($2)
        """)
    static let attemptState = PGStatement("mfa_attempt_state",
        "SELECT ceil(extract(epoch FROM blocked_until))::bigint FROM mfa_methods WHERE id = $1 AND blocked_until > to_timestamp($2)")
    /// Stores the keyed hash of a newly generated email code (the only one accepted from now on),
    /// unless `$4` (a cooldown in seconds) is given and the last code went out too recently.
    static let recordCodeSent = PGStatement("mfa_record_code_sent", """
        UPDATE mfa_methods SET email_code_hash = $2, email_code_sent_at = to_timestamp($3),
               last_code_sent_at = to_timestamp($3)
        WHERE id = $1 AND ($4::bigint IS NULL OR last_code_sent_at IS NULL
                           OR last_code_sent_at <= to_timestamp($3) - $4::bigint * interval '1 second')
        RETURNING id
        """)
    static let nextSend = PGStatement("mfa_next_send",
        "SELECT ceil(extract(epoch FROM last_code_sent_at + $2 * interval '1 second'))::bigint FROM mfa_methods WHERE id = $1")
    /// Clears the limits of every method that has any (its shared counters or any device's),
    /// with one `unlocked` event each.
    static let unlock = PGStatement("mfa_unlock", """
        WITH devices AS (
            DELETE FROM mfa_device_attempts WHERE method_id IN (SELECT id FROM mfa_methods WHERE user_id = $1)
            RETURNING method_id
        ), cleared AS (
            UPDATE mfa_methods SET failed_attempts = 0, blocked_until = NULL, locked_at = NULL
            WHERE user_id = $1 AND (failed_attempts > 0 OR blocked_until IS NOT NULL OR locked_at IS NOT NULL
                                    OR id IN (SELECT method_id FROM devices))
            RETURNING id, user_id, name
        )
        INSERT INTO mfa_events (user_id, method_id, method, event, client_ip, request_id, user_agent_hash)
        SELECT user_id, id, name, 'unlocked', $2::inet, $3, $4 FROM cleared
        """)
    /// Help-desk reset: removes the user's methods (all, or the one named), one `reset` row each.
    static let reset = PGStatement("mfa_reset", """
        WITH gone AS (
            DELETE FROM mfa_methods WHERE user_id = $1 AND ($2::text IS NULL OR name = $2) RETURNING id, user_id, name
        )
        INSERT INTO mfa_events (user_id, method_id, method, event, client_ip, request_id, user_agent_hash)
        SELECT user_id, id, name, 'reset', $3::inet, $4, $5 FROM gone
        RETURNING method
        """)
    static let replaceBackupCodes = PGStatement("mfa_replace_backup_codes", """
        UPDATE mfa_methods SET backup_salt = $2, backup_scheme = $3, backup_codes = $4::text[] WHERE id = $1
        """)

    /// One reserved attempt: its number, whether it locked the method if it fails, and the
    /// trail rows written for it (the failure, and `locked`), which a success rewrites.
    public struct Reservation: Sendable, Equatable {
        public let attempt: Int
        public let locks: Bool
        public let failureEventID: Int64
        public let lockEventID: Int64?
    }

    /// Reserves an attempt recorded as `event` with `kind` until a right code says otherwise;
    /// nil when the method is inside a delay or locked.
    public func reserveAttempt(methodID: Int64, lane: AttemptLane, now: Int64, limits: SecuritySettings,
                               event: MFAEvent, kind: String, origin: EventOrigin) throws -> Reservation? {
        let parameters: [any PGBindable] = [methodID, limits.mfaFailuresBeforeDelay, limits.mfaMaxDelay, now,
                                            limits.mfaMaxFailures, event.rawValue, kind] + origin.parameters
        let r = try lane.deviceID.map { try connection.execute(Self.reserveDeviceAttempt, parameters + [$0]) }
            ?? connection.execute(Self.reserveAttempt, parameters)
        guard r.rowCount == 1 else { return nil }
        return Reservation(attempt: try r.requiredInt(0, 0), locks: r.bool(0, 1) ?? false,
                           failureEventID: Int64(try r.requiredInt(0, 2)), lockEventID: r.int(0, 3).map(Int64.init))
    }

    /// Until when attempts on the method wait in `lane`; nil when it is not delayed (then it is locked).
    public func blockedUntil(methodID: Int64, lane: AttemptLane, now: Int64) throws -> Int64? {
        let r = try lane.deviceID.map { try connection.execute(Self.deviceAttemptState, [methodID, now, $0]) }
            ?? connection.execute(Self.attemptState, [methodID, now])
        return r.int(0, 0).map(Int64.init)
    }

    /// Nil when the code was recorded; else the time the next one may be sent (cooldown).
    public func recordCodeSent(methodID: Int64, hash: String, now: Int64, cooldown: Int64?) throws -> Int64? {
        if try connection.execute(Self.recordCodeSent, [methodID, hash, now, cooldown.map(Int.init)]).rowCount == 1 {
            return nil
        }
        return try connection.execute(Self.nextSend, [methodID, cooldown ?? 0]).int(0, 0).map(Int64.init) ?? now
    }

    /// Clears every attempt limit and lock of a user's methods; returns how many methods had one.
    public func unlock(userID: Int64, origin: EventOrigin) throws -> Int {
        try connection.execute(Self.unlock, [userID] + origin.parameters).affectedRows
    }

    static let purgeDeviceAttempts = PGStatement("mfa_device_attempts_purge", Purge.sql(
        "mfa_device_attempts", where: """
            updated_at < to_timestamp($1) AND locked_at IS NULL
              AND (blocked_until IS NULL OR blocked_until < to_timestamp($1))
            """, limitParameter: 2))

    /// Device attempt rows idle since `before` (unix seconds) and not locked: their count restarts.
    @discardableResult
    public func purgeDeviceAttempts(before: Int64, limit: Int) throws -> Int {
        try connection.execute(Self.purgeDeviceAttempts, [before, limit]).affectedRows
    }

    /// Removes a user's methods (or the one named); returns the names removed.
    public func reset(userID: Int64, method: String?, origin: EventOrigin) throws -> [String] {
        let r = try connection.execute(Self.reset, [userID, method] + origin.parameters)
        return try (0..<r.rowCount).map { try r.required($0, 0) }
    }

    public func replaceBackupCodes(methodID: Int64, salt: String, scheme: BackupCodes.Scheme, hashes: [String]) throws {
        try connection.execute(Self.replaceBackupCodes, [methodID, salt, scheme.text, Self.textArray(hashes)])
    }

    static let lockUser = PGStatement("mfa_lock_user", "SELECT id FROM users WHERE id = $1 FOR UPDATE")
    static let activate = PGStatement("mfa_activate", """
        UPDATE mfa_methods SET is_active = true,
               is_primary = NOT EXISTS (SELECT 1 FROM mfa_methods p WHERE p.user_id = $1 AND p.is_primary)
        WHERE id = $2
        """)
    static let deactivate = PGStatement("mfa_deactivate",
        "UPDATE mfa_methods SET is_active = false, is_primary = false WHERE id = $1")
    static let clearPrimary = PGStatement("mfa_clear_primary",
        "UPDATE mfa_methods SET is_primary = false WHERE user_id = $1 AND is_primary")
    static let setPrimary = PGStatement("mfa_set_primary",
        "UPDATE mfa_methods SET is_primary = true WHERE id = $1 AND is_active")
    static let delete = PGStatement("mfa_delete", "DELETE FROM mfa_methods WHERE id = $1")
    /// After a primary went away: the oldest remaining active method becomes primary.
    static let promote = PGStatement("mfa_promote", """
        UPDATE mfa_methods SET is_primary = true
        WHERE id = (SELECT id FROM mfa_methods WHERE user_id = $1 AND is_active ORDER BY id LIMIT 1)
          AND NOT EXISTS (SELECT 1 FROM mfa_methods WHERE user_id = $1 AND is_primary)
        """)

    /// The account an ephemeral token names and its method `name`, in one round trip.
    static let userAndMethod = PGStatement("mfa_user_and_method", """
        SELECT u.id, u.username, u.email, u.first_name, u.last_name, u.is_active,
               (extract(epoch FROM u.last_login) * 1000000)::bigint,
               floor(extract(epoch FROM u.sessions_revoked_at))::bigint,
               u.password,
               m.id, m.user_id, m.name, m.secret, m.is_primary, m.is_active, m.backup_salt, m.backup_scheme,
               m.last_used_step, m.failed_attempts, ceil(extract(epoch FROM m.blocked_until))::bigint,
               m.locked_at IS NOT NULL, m.email_code_hash,
               extract(epoch FROM m.email_code_sent_at)::bigint, cardinality(m.backup_codes)
        FROM users u LEFT JOIN mfa_methods m ON m.user_id = u.id AND m.name = $2
        WHERE u.id = $1
        """)

    /// The account, its password hash (for ephemeral-token MACs) and its method `name`.
    public func userAndMethod(userID: Int64, name: String) throws -> (User, String, MFAMethod?)? {
        let r = try connection.execute(Self.userAndMethod, [userID, name])
        guard r.rowCount > 0 else { return nil }
        let user = try UserStore.user(r, 0)
        let hash: String = try r.required(0, UserStore.columnCount)
        let method = r.isNull(0, UserStore.columnCount + 1)
            ? nil : try Self.method(r, 0, offset: UserStore.columnCount + 1)
        return (user, hash, method)
    }

    public func methods(userID: Int64) throws -> [MFAMethod] {
        let r = try connection.execute(Self.forUser, [userID])
        return try (0..<r.rowCount).map { try Self.method(r, $0) }
    }

    public func method(userID: Int64, name: String) throws -> MFAMethod? {
        let r = try connection.execute(Self.byName, [userID, name])
        return r.rowCount == 0 ? nil : try Self.method(r, 0)
    }

    /// The method the first login step challenges, if the user has an active one.
    public func challengeMethod(userID: Int64) throws -> MFAMethod? {
        let r = try connection.execute(Self.challenge, [userID])
        return r.rowCount == 0 ? nil : try Self.method(r, 0)
    }

    /// Nil when the user already has a method of that name.
    public func create(userID: Int64, name: String, secret: String, backupSalt: String,
                       backupScheme: BackupCodes.Scheme, backupHashes: [String]) throws -> Int64? {
        let r = try connection.execute(Self.insert, [userID, name, secret, backupSalt, backupScheme.text,
                                                     Self.textArray(backupHashes)])
        return r.rowCount == 0 ? nil : Int64(try r.requiredInt(0, 0))
    }

    /// A PostgreSQL array literal of base64 strings (no quotes or backslashes to escape).
    static func textArray(_ values: [String]) -> String {
        "{" + values.map { "\"\($0)\"" }.joined(separator: ",") + "}"
    }

    /// Serialises a user's method changes (primary switch, promotion) across instances.
    public func lockUser(_ userID: Int64) throws {
        try connection.execute(Self.lockUser, [userID])
    }

    public func activate(userID: Int64, methodID: Int64) throws {
        try connection.execute(Self.activate, [userID, methodID])
    }
    public func deactivate(methodID: Int64) throws { try connection.execute(Self.deactivate, [methodID]) }
    public func delete(methodID: Int64) throws { try connection.execute(Self.delete, [methodID]) }
    public func promote(userID: Int64) throws { try connection.execute(Self.promote, [userID]) }

    public func makePrimary(userID: Int64, methodID: Int64) throws {
        try connection.execute(Self.clearPrimary, [userID])
        try connection.execute(Self.setPrimary, [methodID])
    }

    static func method(_ r: PGResult, _ row: Int, offset o: Int = 0) throws -> MFAMethod {
        MFAMethod(id: Int64(try r.requiredInt(row, o)), userID: Int64(try r.requiredInt(row, o + 1)),
                  name: try r.required(row, o + 2), secret: try r.required(row, o + 3),
                  isPrimary: r.bool(row, o + 4) ?? false, isActive: r.bool(row, o + 5) ?? false,
                  backupSalt: try r.required(row, o + 6),
                  backupScheme: BackupCodes.Scheme(text: try r.required(row, o + 7)),
                  lastUsedStep: Int64(try r.requiredInt(row, o + 8)), failedAttempts: try r.requiredInt(row, o + 9),
                  blockedUntil: r.int(row, o + 10).map(Int64.init), locked: r.bool(row, o + 11) ?? false,
                  emailCodeHash: r.string(row, o + 12), emailCodeSentAt: r.int(row, o + 13).map(Int64.init),
                  backupCodesRemaining: r.int(row, o + 14) ?? 0)
    }
}
