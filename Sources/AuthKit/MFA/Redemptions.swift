import PostgreSQL

/// The consuming statements, one per `Redemption`: each turns evidence into a state change in a
/// single atomic statement that also resets the attempt counter, writes the audit row and (for
/// the second login step) records the login — one round trip for the whole success.
public struct Redemptions: Sendable {
    /// By redemption name, for the shared lane and for device lanes.
    private let statements: [String: (untrusted: PGStatement, device: PGStatement)]

    public init(handlers: MFAHandlers) {
        var statements: [String: (untrusted: PGStatement, device: PGStatement)] = [:]
        for redemption in handlers.ordered.flatMap(\.redemptions) + [BackupCodes.redemption] {
            statements[redemption.name] = (Self.statement(for: redemption, deviceLane: false),
                                           Self.statement(for: redemption, deviceLane: true))
        }
        self.statements = statements
    }

    /// `$1` method id, `$2`–`$4` the origin, `$5` the audit event (NULL: none), `$6` the evidence
    /// kind, `$7` the login time in microseconds (NULL: not a login), `$8`/`$9` the trail rows
    /// the attempt's reservation wrote (its failure, and `locked`), `$10` the device id of a
    /// device lane, `$11`… the evidence's own. The reservation's failure row becomes the success
    /// event (or goes, when the caller writes its own), and the lane's attempt count and any
    /// lock the reservation set are cleared: the method's own counters for the shared lane, the
    /// device's row for a device lane (a device's success never resets what others did).
    static func statement(for redemption: Redemption, deviceLane: Bool) -> PGStatement {
        let assignments = redemption.assignments.isEmpty ? "" : ", " + redemption.assignments
        let reset = deviceLane ? "" : "failed_attempts = 0, blocked_until = NULL, locked_at = NULL, "
        let device = !deviceLane ? "" : """
            , device AS (
                DELETE FROM mfa_device_attempts WHERE method_id = $1 AND device_id = $10::text
                    AND EXISTS (SELECT 1 FROM redeemed)
            )
            """
        var sql = """
            WITH \(redemption.prelude)redeemed AS (
                UPDATE mfa_methods SET \(reset)last_used_at = now()\(assignments)
                WHERE id = $1 AND (\(redemption.condition))
                RETURNING id, user_id, name, cardinality(backup_codes) AS remaining
            )\(device), event AS (
                UPDATE mfa_events SET event = $5::text, code_kind = $6::text
                WHERE id = $8::bigint AND $5::text IS NOT NULL AND EXISTS (SELECT 1 FROM redeemed)
            ), dropped AS (
                DELETE FROM mfa_events
                WHERE (id = $9::bigint OR (id = $8::bigint AND $5::text IS NULL)) AND EXISTS (SELECT 1 FROM redeemed)
            ), login AS (
                UPDATE users SET last_login = 'epoch'::timestamptz + $7::bigint * interval '1 microsecond'
                WHERE id = (SELECT user_id FROM redeemed) AND $7::bigint IS NOT NULL
            )
            """
        if redemption == BackupCodes.redemption {
            // The code is gone for good: its own record and audit row, with the count left.
            sql += """
                , used AS (
                    INSERT INTO mfa_backup_code_uses (user_id, method_id, method_name, code_hash, request_id)
                    SELECT user_id, id, name, $11, $3 FROM redeemed
                ), used_event AS (
                    INSERT INTO mfa_events (user_id, method_id, method, event, code_kind, details, client_ip,
                                            request_id, user_agent_hash)
                    SELECT user_id, id, name, 'backup_code_used', 'backup',
                           jsonb_build_object('backup_codes_remaining', remaining),
                           $2::inet, $3, $4
                    FROM redeemed
                )

                """
        }
        // Parameters some variants leave unread are typed here: the origin, the device id.
        sql += "SELECT remaining FROM redeemed, (SELECT $2::inet, $3::text, $4::text, $10::text) AS typed"
        return PGStatement("mfa_redeem_" + redemption.name + (deviceLane ? "_device" : ""), sql)
    }

    /// Consumes `evidence` on the method; nil when it was already used or no longer holds
    /// (replay, or a concurrent request won), else the backup codes left.
    public func redeem(_ evidence: Evidence, methodID: Int64, lane: AttemptLane, event: MFAEvent?,
                       loginAt: UnixTime?, origin: EventOrigin, reservation: MFAStore.Reservation,
                       on connection: PGConnection) throws -> Int? {
        guard let pair = statements[evidence.redemption.name] else { return nil }
        let statement = lane.deviceID == nil ? pair.untrusted : pair.device
        let fixed: [any PGBindable] = [methodID] + origin.parameters
            + [event?.rawValue, evidence.kind, loginAt?.microseconds, reservation.failureEventID,
               reservation.lockEventID, lane.deviceID]
        return try connection.execute(statement, fixed + evidence.parameters.map { $0 as any PGBindable }).int(0, 0)
    }
}
