import PostgreSQL

/// The one verification pipeline, used wherever a second-factor code is checked (confirm,
/// deactivate, primary, delete, regenerate, login/verify):
///
/// 1. reserve an attempt in one atomic statement (refused inside a delay or when locked), so
///    any number of concurrent guesses gets at most the allowed evaluations;
/// 2. ask the method's handler what the code proves (or, where allowed, the backup codes);
/// 3. consume that evidence atomically, with the change it authorises.
///
/// The reservation writes the attempt to the trail as a failure; a success resets the attempt
/// counter and turns that row into its own event in the consuming statement. So a wrong code
/// costs one statement after the token check, a right one two.
public struct CodeVerifier: Sendable {
    let handlers: MFAHandlers
    let backupCodes: BackupCodes
    let redemptions: Redemptions
    let limits: SecuritySettings
    let backupCodeLength: Int
    let lanes: HashLanes
    let notices: SecurityNotices

    init(handlers: MFAHandlers, backupCodes: BackupCodes, limits: SecuritySettings, backupCodeLength: Int,
         lanes: HashLanes, notices: SecurityNotices) {
        self.notices = notices
        self.handlers = handlers
        self.backupCodes = backupCodes
        redemptions = Redemptions(handlers: handlers)
        self.limits = limits
        self.backupCodeLength = backupCodeLength
        self.lanes = lanes
    }

    /// How accepted evidence is consumed.
    public enum Consumption {
        /// In one statement, which also writes `event` and, for a login, records it at `loginAt`.
        case statement(event: MFAEvent?, loginAt: UnixTime?)
        /// In a transaction that first locks the user's row: `body` re-reads what it needs,
        /// calls `redeem` with the method whose evidence is consumed (false: already used) and
        /// applies the change, audited with the evidence `kind`; it returns whether the change
        /// happened.
        case transaction(userID: Int64,
                         body: (MFAStore, _ kind: String, _ redeem: (MFAMethod) throws -> Bool) throws -> Bool)
    }

    /// Checks `code` against `method` for `action`; returns the evidence consumed, or throws
    /// `MFAFailure.throttled` (nothing evaluated) or `.invalidCode` (the failure recorded).
    /// `user` owns the method: a client presenting a valid device cookie for that account counts
    /// its attempts on its own device's budget (`AttemptLane`).
    @discardableResult
    public func verify(_ code: String, on method: MFAMethod, of user: User, action: CodeAction, allowBackup: Bool,
                       context: RequestContext, consume: Consumption) throws -> Evidence {
        let lane = context.attemptLane(for: user)
        let now = context.clock.now()
        // The method row was just read: when it already says the shared budget is waiting or
        // locked, answer without another statement (a flood inside a delay costs one read).
        if lane == .untrusted {
            if method.locked { throw MFAFailure.throttled(wait: nil) }
            if let until = method.blockedUntil, until > now.seconds {
                throw MFAFailure.throttled(wait: until - now.seconds)
            }
        }
        let limits = self.limits
        let origin = context.origin
        // Counted as a failure (what it looks like) until the evidence is consumed.
        let provisionalKind = likelyKind(code, method: method, allowBackup: allowBackup)
        let reservation = try context.db { connection -> MFAStore.Reservation in
            let store = MFAStore(connection)
            if let reserved = try store.reserveAttempt(methodID: method.id, lane: lane, now: now.seconds,
                                                       limits: limits, event: action.failureEvent,
                                                       kind: provisionalKind, origin: origin) {
                return reserved
            }
            let until = try store.blockedUntil(methodID: method.id, lane: lane, now: now.seconds)
            throw MFAFailure.throttled(wait: until.map { max(1, $0 - now.seconds) })
        }
        let evidenceContext = EvidenceContext(now: now, action: action, origin: origin) { body in
            try context.db { try body($0) }
        }
        let evidence = try self.evidence(code, for: method, allowBackup: allowBackup, context: evidenceContext,
                                         budget: lanes.budget(for: lane))
        // The backup codes left after the consuming statement (for the owner's notice).
        var remaining: Int?
        let accepted = try evidence.map { evidence in
            try context.db { connection in
                switch consume {
                case .statement(let event, let loginAt):
                    remaining = try redemptions.redeem(evidence, methodID: method.id, lane: lane, event: event,
                                                       loginAt: loginAt, origin: origin, reservation: reservation,
                                                       on: connection)
                    return remaining != nil
                case .transaction(let userID, let body):
                    return try connection.transaction {
                        let store = MFAStore(connection)
                        try store.lockUser(userID)
                        return try body(store, evidence.kind) { current in
                            remaining = try redemptions.redeem(evidence, methodID: current.id, lane: lane, event: nil,
                                                               loginAt: nil, origin: origin, reservation: reservation,
                                                               on: connection)
                            return remaining != nil
                        }
                    }
                }
            }
        } ?? false
        context.metrics.codeCheck(flow: action.flow, method: method.name, kind: evidence?.kind ?? provisionalKind,
                                  success: accepted)
        guard let evidence, accepted else {
            context.logger.info("second factor failure",
                                metadata: ["method": "\(method.name)", "attempt": "\(reservation.attempt)"])
            if reservation.locks {
                context.metrics.lockout(method: method.name)
                context.logger.warning("second factor locked after too many failures",
                                       metadata: ["method": "\(method.name)"])
            }
            throw MFAFailure.invalidCode(action)
        }
        if evidence.isBackupCode {
            context.logger.notice("backup code used", metadata: ["method": "\(method.name)"])
            let notices = self.notices
            try context.db {
                try notices.queue(.backupCodeUsed, to: user, method: method.name, remaining: remaining,
                                  outbox: OutboxStore($0), now: now, requestID: context.request.requestID)
            }
        }
        return evidence
    }

    /// What `code` proves for `method`: the handler's own evidence, else (where allowed) a
    /// backup code of the method.
    func evidence(_ code: String, for method: MFAMethod, allowBackup: Bool, context: EvidenceContext,
                  budget: HashBudget) throws -> Evidence? {
        guard let handler = handlers.handler(method.name) else { return nil }
        if let evidence = try handler.evidence(code, for: method, context: context) { return evidence }
        guard allowBackup, code.unicodeScalars.count == backupCodeLength,
              let scheme = method.backupScheme else { return nil }
        return scheme.isSlow
            ? try budget.run { backupCodes.evidence(code, for: method) }
            : backupCodes.evidence(code, for: method)
    }

    /// The kind a failed code is counted as: a backup code when it has the backup-code length
    /// (and those are allowed), else the handler's own kind.
    func likelyKind(_ code: String, method: MFAMethod, allowBackup: Bool) -> String {
        if allowBackup && code.unicodeScalars.count == backupCodeLength { return BackupCodes.kind }
        return handlers.handler(method.name)?.evidenceKinds.first ?? method.name
    }
}
