/// POST login/ (API.md §5): the password step.
public struct LoginController: Sendable {
    let limits: SecuritySettings
    let iterations: Int
    let budget: HashBudget
    let sessions: SessionIssuer
    let mfaLogin: MFALoginController

    /// `security`: the per-name password delays; `hashing`: the password hash's cost.
    public init(security: SecuritySettings, hashing: HashingSettings, budget: HashBudget, sessions: SessionIssuer,
                mfaLogin: MFALoginController) {
        limits = security
        iterations = hashing.passwordIterations
        self.budget = budget
        self.sessions = sessions
        self.mfaLogin = mfaLogin
    }

    static let invalidCredentials = APIError.nonField("Unable to log in with provided credentials.")

    public func login(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(LoginRequest.self)
        let user = try checkPassword(request, context)
        // A user with an active method gets an ephemeral token and must pass the second step.
        if let secondStep = try mfaLogin.firstStep(user, context) { return secondStep }
        return try sessions.completeLogin(user, context, mfaEnabledKey: true)
    }

    /// One slow hash whatever happens (unknown users too), inside the hashing budget; a stored
    /// hash with fewer iterations than configured is upgraded, as Django does.
    func checkPassword(_ request: LoginRequest, _ context: RequestContext) throws -> User {
        let now = context.clock.now().seconds
        // The attempt is reserved before any hash is computed: a name inside its password delay
        // gets 429, and concurrent guesses cannot all slip in before the first failure counts.
        let found = try context.db(retry: true) { connection in
            let failures = LoginFailures(connection)
            guard try failures.reserve(request.username, now: now, limits: limits) else {
                let blocked = try failures.blockedUntil(request.username, now: now)
                throw APIError.throttled(wait: max(1, (blocked ?? now + 1) - now))
            }
            return try UserStore(connection).findForLogin(username: request.username)
        }
        let verdict: DjangoPassword.Verdict = try budget.run {
            guard let (_, hash) = found else {
                DjangoPassword.burn(request.password, iterations: iterations)
                return .mismatch
            }
            return DjangoPassword.verify(request.password, against: hash, currentIterations: iterations)
        }
        guard let (user, _) = found, case .match(let needsUpgrade) = verdict, user.isActive else {
            context.logger.info("login refused", metadata: ["reason": found == nil ? "unknown user" : "bad password or inactive"])
            throw Self.invalidCredentials
        }
        try context.db { try LoginFailures($0).clear(request.username) }
        if needsUpgrade {
            let upgraded = try budget.run { DjangoPassword.make(request.password, iterations: iterations) }
            try context.db { try UserStore($0).setPasswordHash(id: user.id, hash: upgraded) }
        }
        return user
    }
}
