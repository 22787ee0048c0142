import PostgreSQL

/// What method management and the second login step share: the configured handlers, the
/// verification pipeline, backup codes, ephemeral tokens and issuing challenges.
public struct MFAService: Sendable {
    public let settings: Settings
    public let handlers: MFAHandlers
    public let verifier: CodeVerifier
    let tokens: EphemeralToken
    let backupCodes: BackupCodes
    let lanes: HashLanes
    /// The security notices the owner gets for each change.
    let notices: SecurityNotices
    public let secrets: SecretBox

    public init(settings: Settings, handlers: MFAHandlers, lanes: HashLanes) {
        self.settings = settings
        self.handlers = handlers
        tokens = EphemeralToken(secretKey: settings.tokens.secretKey, expiry: settings.mfa.ephemeralTokenExpiry)
        let m = settings.mfa
        backupCodes = BackupCodes(secretKey: settings.tokens.secretKey,
                                  scheme: m.backupCodeSecureHash ? .pbkdf2(iterations: m.backupCodeIterations) : .hmac)
        self.lanes = lanes
        notices = SecurityNotices(settings.email)
        secrets = SecretBox(keys: settings.security.encryptionKeys)
        verifier = CodeVerifier(handlers: handlers, backupCodes: backupCodes, limits: settings.security,
                                backupCodeLength: m.backupCodeLength, lanes: lanes, notices: notices)
    }

    /// A new set of backup codes under the configured scheme, hashed in the enrolment lane of
    /// the hashing budget (503 when it is full: enrolment never takes a login's slot).
    func newBackupCodes() throws -> (codes: [String], salt: String, hashes: [String]) {
        let m = settings.mfa
        return try lanes.enrolment.run(hashes: m.backupCodeCount) {
            backupCodes.newSet(count: m.backupCodeCount, length: m.backupCodeLength, alphabet: m.backupCodeAlphabet)
        }
    }

    /// Issues `method`'s challenge on `connection` (inside the caller's transaction), with its
    /// `code_sent` audit row when the handler sent something.
    func challenge(_ method: MFAMethod, user: User, reason: ChallengeReason, context: RequestContext,
                   on connection: PGConnection) throws {
        guard let handler = handlers.handler(method.name) else { return }
        switch try handler.challenge(method, user: user, reason: reason,
                                     context: challengeContext(context, on: connection)) {
        case .nothing: break
        case .sent:
            try AuditTrail(connection).record(.codeSent, method: method, origin: context.origin)
            context.logger.info("code queued", metadata: ["method": "\(method.name)"])
        case .undeliverable(let reason):
            context.logger.warning("code not sent", metadata: ["method": "\(method.name)", "reason": "\(reason)"])
        }
    }

    /// `challenge` in a transaction of its own.
    func challenge(_ method: MFAMethod, user: User, reason: ChallengeReason, context: RequestContext) throws {
        try context.db { connection in
            try connection.transaction {
                try challenge(method, user: user, reason: reason, context: context, on: connection)
            }
        }
    }

    /// The body of login/challenge/ and mfa/challenge/ for `method`.
    func challengeOptions(_ method: MFAMethod, user: User, context: RequestContext) throws -> JSONValue {
        guard let handler = handlers.handler(method.name) else { return .object(JSONObject()) }
        return try context.db { connection in
            try handler.challengeOptions(method, user: user, context: challengeContext(context, on: connection))
        }
    }

    /// What a handler's challenge may use on `connection`.
    func challengeContext(_ context: RequestContext, on connection: PGConnection) -> ChallengeContext {
        ChallengeContext(store: MFAStore(connection), outbox: OutboxStore(connection), now: context.clock.now(),
                         requestID: context.request.requestID)
    }

    /// A second-step token for `method`, bound to the user's email, last login and password
    /// hash, issued at `issuedAt` (the first step's time: it never moves forward).
    public func ephemeralToken(for user: User, method: String, passwordHash: String, issuedAt: Int64) -> String {
        tokens.make(userID: user.id, method: method, email: user.email, lastLoginMicros: user.lastLoginMicros,
                    passwordHash: passwordHash, issuedAt: issuedAt)
    }

    /// What a valid ephemeral token resolves to.
    public struct Resolved {
        public let user: User
        /// The method the token names.
        public let tokenMethod: String
        /// The user's active method asked for (the token's own when none was named); nil: none.
        public let method: MFAMethod?
        let passwordHash: String
        /// When the first login step happened.
        let issuedAt: Int64

        /// Another token from the same first step (resend, another method): same expiry.
        func token(_ service: MFAService, method name: String) -> String {
            service.ephemeralToken(for: user, method: name, passwordHash: passwordHash, issuedAt: issuedAt)
        }
    }

    /// The user an ephemeral token names, its method name, and the user's active method
    /// `method` (the token's own when nil) — one round trip. `invalidToken` when the token
    /// does not hold (expired, used by a login, or the password changed since); the method is
    /// nil when the user has no such active method.
    public func resolve(_ token: String, _ context: RequestContext, method: String? = nil) throws -> Resolved {
        guard let parsed = EphemeralToken.parse(token) else { throw MFAFailure.invalidToken }
        let name = method ?? parsed.method
        guard let (user, hash, found) = try context.db(retry: true, {
                  try MFAStore($0).userAndMethod(userID: parsed.userID, name: name)
              }),
              user.isActive,
              tokens.isValid(parsed, email: user.email, lastLoginMicros: user.lastLoginMicros, passwordHash: hash,
                             now: context.clock.now().seconds)
        else { throw MFAFailure.invalidToken }
        let active = found.flatMap { $0.isActive && handlers.handler($0.name) != nil ? $0 : nil }
        return Resolved(user: user, tokenMethod: parsed.method, method: active, passwordHash: hash,
                        issuedAt: parsed.timestamp)
    }

    /// The user's method `name` if it is configured and exists.
    func existingMethod(_ name: String, of user: User, _ context: RequestContext) throws -> MFAMethod? {
        guard handlers.handler(name) != nil else { return nil }
        return try context.db(retry: true) { try MFAStore($0).method(userID: user.id, name: name) }
    }

    /// The user's active method `name`, or `noSuchMethod`.
    public func activeMethod(_ name: String, of user: User, _ context: RequestContext) throws -> MFAMethod {
        guard let method = try existingMethod(name, of: user, context), method.isActive else {
            throw MFAFailure.noSuchMethod
        }
        return method
    }
}
