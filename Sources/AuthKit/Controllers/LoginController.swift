/// POST login/ (API.md §5): the password step.
public struct LoginController: Sendable {
    let limits: SecuritySettings
    let iterations: Int
    let lanes: HashLanes
    let sessions: SessionIssuer
    let mfaLogin: MFALoginController

    /// `security`: the per-name password delays; `hashing`: the password hash's cost.
    public init(security: SecuritySettings, hashing: HashingSettings, lanes: HashLanes, sessions: SessionIssuer,
                mfaLogin: MFALoginController) {
        limits = security
        iterations = hashing.passwordIterations
        self.lanes = lanes
        self.sessions = sessions
        self.mfaLogin = mfaLogin
    }

    static let invalidCredentials = APIError.nonField("Unable to log in with provided credentials.")

    public func login(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(LoginRequest.self)
        let (user, passwordHash) = try checkPassword(request, context)
        // A user with an active method gets an ephemeral token and must pass the second step.
        if let secondStep = try mfaLogin.firstStep(user, passwordHash: passwordHash, context) { return secondStep }
        return try sessions.completeLogin(user, context, mfaEnabledKey: true)
    }

    /// One slow hash whatever happens (unknown users too), inside the hashing budget; a stored
    /// hash with fewer iterations than configured is upgraded, as Django does.
    ///
    /// The attempt counts against a failure budget reserved before any hash is computed: the
    /// client's own device's when it presents a valid device cookie for this account, else the
    /// budget every other client shares for this login name. So guesses by others can delay
    /// only clients without a device cookie, never the owner's browsers; and the hash runs in
    /// the matching lane of the hashing budget.
    /// Returns the user and the password hash now stored (upgraded when it was weaker).
    func checkPassword(_ request: LoginRequest, _ context: RequestContext) throws -> (User, String) {
        // No account has a longer name (users.username holds at most 150 characters): no
        // lookup, no budget, no hash — and no name of any length reaches an index.
        guard request.username.unicodeScalars.count <= 150 else { throw Self.invalidCredentials }
        let now = context.clock.now().seconds
        let (found, lane, budgetKey) = try context.db(retry: true) { connection in
            let found = try UserStore(connection).findForLogin(username: request.username)
            let lane = context.attemptLane(for: found?.0)
            let key = LoginFailures.key(username: request.username, lane: lane)
            let failures = LoginFailures(connection)
            guard try failures.reserve(key, now: now, limits: limits) else {
                let blocked = try failures.blockedUntil(key, now: now)
                throw APIError.throttled(wait: max(1, (blocked ?? now + 1) - now))
            }
            return (found, lane, key)
        }
        let budget = lanes.budget(for: lane)
        let verdict: DjangoPassword.Verdict = try budget.run {
            guard let (_, hash) = found else {
                DjangoPassword.burn(request.password, iterations: iterations)
                return .mismatch
            }
            return DjangoPassword.verify(request.password, against: hash, currentIterations: iterations)
        }
        guard let (user, storedHash) = found, case .match(let needsUpgrade) = verdict, user.isActive else {
            context.logger.info("login refused", metadata: ["reason": found == nil ? "unknown user" : "bad password or inactive"])
            throw Self.invalidCredentials
        }
        try context.db { try LoginFailures($0).clear(budgetKey) }
        if needsUpgrade {
            let upgraded = try budget.run { DjangoPassword.make(request.password, iterations: iterations) }
            try context.db { try UserStore($0).setPasswordHash(id: user.id, hash: upgraded) }
            return (user, upgraded)
        }
        return (user, storedHash)
    }
}
