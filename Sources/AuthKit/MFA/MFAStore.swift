import PostgreSQL

/// SQL for `mfa_methods` and `mfa_backup_code_uses`. Codes are consumed by single atomic
/// statements, so concurrent requests with the same code cannot both succeed, on any instance.
public struct MFAStore {
    let connection: PGConnection

    public init(_ connection: PGConnection) { self.connection = connection }

    /// The audit trail on the same connection (and transaction).
    public var trail: AuditTrail { AuditTrail(connection) }

    static let columns = """
        id, user_id, name, secret, is_primary, is_active, backup_salt, backup_scheme, last_used_step, failed_attempts,
        ceil(extract(epoch FROM blocked_until))::bigint, locked_at IS NOT NULL
        """

    static let forUser = PGStatement("mfa_for_user", "SELECT \(columns) FROM mfa_methods WHERE user_id = $1 ORDER BY id")
    static let byName = PGStatement("mfa_by_name", "SELECT \(columns) FROM mfa_methods WHERE user_id = $1 AND name = $2")
    /// The method challenged at login: the primary, else the oldest active one.
    static let challenge = PGStatement("mfa_challenge",
        "SELECT name FROM mfa_methods WHERE user_id = $1 AND is_active ORDER BY is_primary DESC, id LIMIT 1")
    static let insert = PGStatement("mfa_insert", """
        INSERT INTO mfa_methods (user_id, name, secret, backup_salt, backup_scheme, backup_codes)
        VALUES ($1, $2, $3, $4, $5, $6::text[]) ON CONFLICT (user_id, name) DO NOTHING RETURNING id
        """)
    /// Replay protection: a step is accepted once, and never one older than the last accepted.
    static let useStep = PGStatement("mfa_use_step",
        "UPDATE mfa_methods SET last_used_step = $2, last_used_at = now() WHERE id = $1 AND last_used_step < $2 RETURNING id")
    /// Removes one backup-code hash and records its use and its audit event, in one statement.
    static let useBackupCode = PGStatement("mfa_use_backup_code", """
        WITH used AS (
            UPDATE mfa_methods SET backup_codes = array_remove(backup_codes, $2), last_used_at = now()
            WHERE id = $1 AND $2 = ANY (backup_codes)
            RETURNING id, user_id, name
        ), event AS (
            INSERT INTO mfa_events (user_id, method_id, method, event, code_kind, client_ip, request_id, user_agent_hash)
            SELECT user_id, id, name, 'backup_code_used', 'backup', $3::inet, $4, $5 FROM used
        )
        INSERT INTO mfa_backup_code_uses (user_id, method_id, method_name, code_hash, request_id)
        SELECT user_id, id, name, $2, $4 FROM used RETURNING id
        """)
    /// One more wrong code: after `threshold` failures each attempt waits 1, 2, 4 ... s (capped),
    /// and `lockAfter` failures lock the method. Atomic, so concurrent guesses all count; the
    /// failure event (and `locked`, on the failure that locks) is written by the same statement.
    static let recordFailure = PGStatement("mfa_record_failure", """
        WITH failed AS (
            UPDATE mfa_methods SET
                failed_attempts = failed_attempts + 1,
                blocked_until = CASE WHEN failed_attempts + 1 >= $2
                    THEN to_timestamp($4) + least(power(2, least(failed_attempts + 1 - $2, 30)), $3) * interval '1 second'
                    ELSE blocked_until END,
                locked_at = CASE WHEN failed_attempts + 1 >= $5 THEN coalesce(locked_at, to_timestamp($4)) ELSE locked_at END
            WHERE id = $1
            RETURNING id, user_id, name, failed_attempts
        )
        INSERT INTO mfa_events (user_id, method_id, method, event, code_kind, client_ip, request_id, user_agent_hash)
        SELECT f.user_id, f.id, f.name, e.event, CASE WHEN e.ord = 0 THEN $7 END, $8::inet, $9, $10
        FROM failed f CROSS JOIN (VALUES ($6::text, 0), ('locked', 1)) AS e (event, ord)
        WHERE e.ord = 0 OR f.failed_attempts = $5
        ORDER BY e.ord
        """)
    static let recordSuccess = PGStatement("mfa_record_success",
        "UPDATE mfa_methods SET failed_attempts = 0, blocked_until = NULL WHERE id = $1 AND locked_at IS NULL")
    /// The send cooldown: claims the right to queue a code email now.
    static let claimSend = PGStatement("mfa_claim_send", """
        UPDATE mfa_methods SET last_code_sent_at = to_timestamp($2)
        WHERE id = $1 AND (last_code_sent_at IS NULL OR last_code_sent_at <= to_timestamp($2) - $3 * interval '1 second')
        RETURNING id
        """)
    static let nextSend = PGStatement("mfa_next_send",
        "SELECT ceil(extract(epoch FROM last_code_sent_at + $2 * interval '1 second'))::bigint FROM mfa_methods WHERE id = $1")
    /// Clears the limits of every method that has any, with one `unlocked` event each.
    static let unlock = PGStatement("mfa_unlock", """
        WITH cleared AS (
            UPDATE mfa_methods SET failed_attempts = 0, blocked_until = NULL, locked_at = NULL
            WHERE user_id = $1 AND (failed_attempts > 0 OR blocked_until IS NOT NULL OR locked_at IS NOT NULL)
            RETURNING id, user_id, name
        )
        INSERT INTO mfa_events (user_id, method_id, method, event, client_ip, request_id, user_agent_hash)
        SELECT user_id, id, name, 'unlocked', $2::inet, $3, $4 FROM cleared
        """)

    /// Returns true when this failure locked the method.
    public func recordFailure(methodID: Int64, now: Int64, limits: SecuritySettings, event: MFAEvent, kind: CodeKind,
                              origin: EventOrigin) throws -> Bool {
        try connection.execute(Self.recordFailure, [methodID, limits.mfaFailuresBeforeDelay, limits.mfaMaxDelay, now, limits.mfaMaxFailures,
                                                    event.rawValue, kind.rawValue] + origin.parameters).affectedRows == 2
    }

    public func recordSuccess(methodID: Int64) throws {
        try connection.execute(Self.recordSuccess, [methodID])
    }

    /// Nil when a code may be sent now (and the time is recorded); else the time it may.
    public func claimSend(methodID: Int64, now: Int64, cooldown: Int64) throws -> Int64? {
        if try connection.execute(Self.claimSend, [methodID, now, cooldown]).rowCount == 1 { return nil }
        return try connection.execute(Self.nextSend, [methodID, cooldown]).int(0, 0).map(Int64.init) ?? now
    }

    /// Clears every attempt limit and lock of a user's methods; returns how many methods had one.
    public func unlock(userID: Int64, origin: EventOrigin) throws -> Int {
        try connection.execute(Self.unlock, [userID] + origin.parameters).affectedRows
    }

    static let lockUser = PGStatement("mfa_lock_user", "SELECT id FROM users WHERE id = $1 FOR UPDATE")
    static let activate = PGStatement("mfa_activate", """
        UPDATE mfa_methods SET is_active = true,
               is_primary = NOT EXISTS (SELECT 1 FROM mfa_methods p WHERE p.user_id = $1 AND p.is_primary)
        WHERE id = $2
        """)
    static let deactivate = PGStatement("mfa_deactivate", "UPDATE mfa_methods SET is_active = false, is_primary = false WHERE id = $1")
    static let clearPrimary = PGStatement("mfa_clear_primary", "UPDATE mfa_methods SET is_primary = false WHERE user_id = $1 AND is_primary")
    static let setPrimary = PGStatement("mfa_set_primary", "UPDATE mfa_methods SET is_primary = true WHERE id = $1 AND is_active")
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
               m.id, m.user_id, m.name, m.secret, m.is_primary, m.is_active, m.backup_salt, m.backup_scheme, m.last_used_step,
               m.failed_attempts, ceil(extract(epoch FROM m.blocked_until))::bigint, m.locked_at IS NOT NULL
        FROM users u LEFT JOIN mfa_methods m ON m.user_id = u.id AND m.name = $2
        WHERE u.id = $1
        """)

    public func userAndMethod(userID: Int64, name: String) throws -> (User, MFAMethod?)? {
        let r = try connection.execute(Self.userAndMethod, [userID, name])
        guard r.rowCount > 0 else { return nil }
        let user = try UserStore.user(r, 0)
        let method = r.isNull(0, 7) ? nil : try Self.method(r, 0, offset: 7)
        return (user, method)
    }

    public func methods(userID: Int64) throws -> [MFAMethod] {
        let r = try connection.execute(Self.forUser, [userID])
        return try (0..<r.rowCount).map { try Self.method(r, $0) }
    }

    public func method(userID: Int64, name: String) throws -> MFAMethod? {
        let r = try connection.execute(Self.byName, [userID, name])
        return r.rowCount == 0 ? nil : try Self.method(r, 0)
    }

    public func challengeMethod(userID: Int64) throws -> String? {
        try connection.execute(Self.challenge, [userID]).string(0, 0)
    }

    /// Nil when the user already has a method of that name.
    public func create(userID: Int64, name: String, secret: String, backupSalt: String,
                       backupScheme: BackupCodes.Scheme, backupHashes: [String]) throws -> Int64? {
        let array = "{" + backupHashes.map { "\"\($0)\"" }.joined(separator: ",") + "}"
        let r = try connection.execute(Self.insert, [userID, name, secret, backupSalt, backupScheme.text, array])
        return r.rowCount == 0 ? nil : Int64(try r.requiredInt(0, 0))
    }

    public func useStep(methodID: Int64, step: Int64) throws -> Bool {
        try connection.execute(Self.useStep, [methodID, step]).rowCount == 1
    }

    public func useBackupCode(methodID: Int64, hash: String, origin: EventOrigin) throws -> Bool {
        try connection.execute(Self.useBackupCode, [methodID, hash] + origin.parameters).rowCount == 1
    }

    /// Serialises a user's method changes (primary switch, promotion) across instances.
    public func lockUser(_ userID: Int64) throws {
        try connection.execute(Self.lockUser, [userID])
    }

    public func activate(userID: Int64, methodID: Int64) throws { try connection.execute(Self.activate, [userID, methodID]) }
    public func deactivate(methodID: Int64) throws { try connection.execute(Self.deactivate, [methodID]) }
    public func delete(methodID: Int64) throws { try connection.execute(Self.delete, [methodID]) }
    public func promote(userID: Int64) throws { try connection.execute(Self.promote, [userID]) }

    public func makePrimary(userID: Int64, methodID: Int64) throws {
        try connection.execute(Self.clearPrimary, [userID])
        try connection.execute(Self.setPrimary, [methodID])
    }

    static func method(_ r: PGResult, _ row: Int, offset o: Int = 0) throws -> MFAMethod {
        MFAMethod(id: Int64(try r.requiredInt(row, o)), userID: Int64(try r.requiredInt(row, o + 1)), name: try r.required(row, o + 2),
                  secret: try r.required(row, o + 3), isPrimary: r.bool(row, o + 4) ?? false, isActive: r.bool(row, o + 5) ?? false,
                  backupSalt: try r.required(row, o + 6), backupScheme: BackupCodes.Scheme(text: try r.required(row, o + 7)),
                  lastUsedStep: Int64(try r.requiredInt(row, o + 8)), failedAttempts: try r.requiredInt(row, o + 9),
                  blockedUntil: r.int(row, o + 10).map(Int64.init), locked: r.bool(row, o + 11) ?? false)
    }
}
