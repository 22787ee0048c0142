import PostgreSQL
import Logging

/// Second-factor logic shared by the login flow and method management.
///
/// Checking a code has two phases so that no lock is held during a slow hash:
/// `evidence` (pure TOTP math, or one slow backup-code hash under the budget), then `redeem`
/// (one atomic SQL statement that consumes the TOTP step or the backup code).
public struct MFAService: Sendable {
    public let settings: Settings
    public let handlers: MFAHandlers
    let tokens: EphemeralToken
    let backupCodes: BackupCodes
    let budget: HashBudget
    public let secrets: SecretBox

    public init(settings: Settings, handlers: MFAHandlers, budget: HashBudget) {
        self.settings = settings
        self.handlers = handlers
        tokens = EphemeralToken(secretKey: settings.secretKey, expiry: settings.mfa.ephemeralTokenExpiry)
        backupCodes = BackupCodes(secretKey: settings.secretKey)
        self.budget = budget
        secrets = SecretBox(keys: settings.security.encryptionKeys)
    }

    /// The method's TOTP generator (its secret decrypted); nil when unreadable.
    func totp(for method: MFAMethod, handler: any MFAHandler) -> TOTP? {
        guard let secret = try? secrets.open(method.secret, userID: method.userID, method: method.name) else { return nil }
        return TOTP(base32: secret, interval: handler.interval)
    }

    // MARK: Attempt limits (NIST 800-63B 5.2.2)

    /// Refuses an attempt on a locked method or inside its delay, before any code is checked:
    /// guessing inside the delay gains nothing and costs no hash.
    public func checkAttemptAllowed(_ method: MFAMethod, now: Int64) throws {
        if method.locked { throw APIError.throttled(wait: nil) }
        if let until = method.blockedUntil, until > now { throw APIError.throttled(wait: until - now) }
    }

    /// Records the outcome of a code check on the method that was tried: in the metrics, and a
    /// failure in the attempt limits and the audit trail (login_failed or code_failed, by flow).
    public func record(success: Bool, for method: MFAMethod, _ context: RequestContext, flow: MetricsLayout.Flow = .manage,
                       kind: CodeKind = .totp) throws {
        let limits = settings.security
        let now = context.clock.now().seconds
        context.metrics.codeCheck(flow: flow, method: method.name, kind: kind, success: success)
        if success {
            guard method.failedAttempts > 0 || method.blockedUntil != nil else { return }
            try context.db { try MFAStore($0).recordSuccess(methodID: method.id) }
        } else {
            let locked = try context.db {
                try MFAStore($0).recordFailure(methodID: method.id, now: now, limits: limits, event: flow == .login ? .loginFailed : .codeFailed,
                                               kind: kind, origin: context.origin)
            }
            context.logger.info("second factor failure", metadata: ["method": "\(method.name)", "consecutive": "\(method.failedAttempts + 1)"])
            if locked {
                context.metrics.lockout(method: method.name)
                context.logger.warning("second factor locked after too many failures", metadata: ["method": "\(method.name)"])
            }
        }
    }

    public enum Evidence: Equatable {
        case totp(step: Int64)
        case backup(hash: String)
        case none
    }

    /// The kind of code `code` was taken for: what it proved, else what it looked like (a
    /// backup code has the backup-code length).
    public func kind(of code: String, evidence: Evidence, allowBackup: Bool) -> CodeKind {
        switch evidence {
        case .totp: return .totp
        case .backup: return .backup
        case .none: return allowBackup && code.unicodeScalars.count == settings.mfa.backupCodeLength ? .backup : .totp
        }
    }

    /// What `code` proves for `method`, before anything is consumed.
    public func evidence(_ code: String, for method: MFAMethod, allowBackup: Bool, now: Int64) throws -> Evidence {
        guard let handler = handlers.handler(method.name), let totp = totp(for: method, handler: handler) else {
            return .none
        }
        if let step = totp.matchingStep(code, at: now, window: settings.mfa.validWindow) { return .totp(step: step) }
        guard allowBackup, code.unicodeScalars.count == settings.mfa.backupCodeLength, let scheme = method.backupScheme else {
            return .none
        }
        if scheme.isSlow {
            return .backup(hash: try budget.run { backupCodes.hash(code, salt: method.backupSalt, scheme: scheme) })
        }
        return .backup(hash: backupCodes.hash(code, salt: method.backupSalt, scheme: scheme))
    }

    /// Consumes the evidence atomically; false when it was already used (replay, or a
    /// concurrent request won).
    public func redeem(_ evidence: Evidence, method: MFAMethod, store: MFAStore, origin: EventOrigin) throws -> Bool {
        switch evidence {
        case .none:
            return false
        case .totp(let step):
            return settings.mfa.replayProtection ? try store.useStep(methodID: method.id, step: step) : true
        case .backup(let hash):
            return try store.useBackupCode(methodID: method.id, hash: hash, origin: origin)
        }
    }

    /// What to do inside the send cooldown: answer 429 (resend, send) or send nothing new (login).
    public enum CooldownPolicy { case refuse, skip }

    /// Queues the method's current code when its handler delivers codes (email), on
    /// `connection` — inside the caller's transaction — with its `code_sent` event.
    public func queueCode(for method: MFAMethod, to user: User, context: RequestContext, on connection: PGConnection,
                          cooldown: CooldownPolicy = .refuse) throws {
        guard let handler = handlers.handler(method.name), handler.dispatchesCodes else { return }
        guard !user.email.isEmpty else {
            context.logger.warning("code email not queued: the user has no email address", metadata: ["method": "\(method.name)"])
            return
        }
        let now = context.clock.now().seconds
        if let next = try MFAStore(connection).claimSend(methodID: method.id, now: now, cooldown: settings.security.sendCooldown) {
            switch cooldown {
            case .refuse: throw APIError.throttled(wait: max(1, next - now))
            case .skip:
                context.logger.info("code email not queued: send cooldown", metadata: ["method": "\(method.name)"])
                return
            }
        }
        try handler.dispatch(method: method, to: user, now: context.clock.now(), validWindow: settings.mfa.validWindow,
                             outbox: OutboxStore(connection), requestID: context.request.requestID)
        try AuditTrail(connection).record(.codeSent, method: method, origin: context.origin)
        context.logger.info("code email queued", metadata: ["method": "\(method.name)"])
    }

    /// `queueCode` on the worker's connection, in a transaction of its own.
    public func queueCode(for method: MFAMethod, to user: User, context: RequestContext, cooldown: CooldownPolicy = .refuse) throws {
        guard handlers.handler(method.name)?.dispatchesCodes == true else { return }
        try context.db { connection in
            try connection.transaction { try queueCode(for: method, to: user, context: context, on: connection, cooldown: cooldown) }
        }
    }

    public func ephemeralToken(for user: User, method: String, now: Int64) -> String {
        tokens.make(userID: user.id, method: method, email: user.email, lastLoginMicros: user.lastLoginMicros, now: now)
    }

    static let invalidToken = APIError.nonField("Invalid token")
    static let noSuchMethod = APIError.nonField("Requested MFA method does not exist.")

    /// The user an ephemeral token names, its method name, and the user's active method
    /// `method` (the token's own when nil) — one round trip. 400 "Invalid token" when the token
    /// does not hold; the method is nil when the user has no such active method.
    public func resolve(_ token: String, _ context: RequestContext, method: String? = nil) throws -> (User, String, MFAMethod?) {
        guard let parsed = EphemeralToken.parse(token) else { throw Self.invalidToken }
        let name = method ?? parsed.method
        guard let (user, found) = try context.db(retry: true, { try MFAStore($0).userAndMethod(userID: parsed.userID, name: name) }),
              user.isActive,
              tokens.isValid(parsed, email: user.email, lastLoginMicros: user.lastLoginMicros, now: context.clock.now().seconds)
        else { throw Self.invalidToken }
        let active = found.flatMap { $0.isActive && handlers.handler($0.name) != nil ? $0 : nil }
        return (user, parsed.method, active)
    }

    /// The user's active method `name`, or 400 "Requested MFA method does not exist.".
    public func activeMethod(_ name: String, of user: User, _ context: RequestContext) throws -> MFAMethod {
        guard handlers.handler(name) != nil,
              let method = try context.db(retry: true, { try MFAStore($0).method(userID: user.id, name: name) }),
              method.isActive else { throw Self.noSuchMethod }
        return method
    }
}
