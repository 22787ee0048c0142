/// POST password/change/ (issue 14): the authenticated user sets a new password.
///
/// Unlike the reference, the change ends every session of the user issued before now (refresh
/// and access tokens, the one used for this request included, device cookies and pending
/// second steps): whoever knew the old password must not keep a session. The answer is still
/// the reference's; the client logs in again (docs/compatibility.md).
public struct PasswordChangeController: Sendable {
    let iterations: Int
    let lanes: HashLanes
    let limits: SecuritySettings
    let rules: NewPasswordRules
    let notices: SecurityNotices

    public init(hashing: HashingSettings, security: SecuritySettings, lanes: HashLanes, rules: NewPasswordRules,
                notices: SecurityNotices) {
        iterations = hashing.passwordIterations
        self.lanes = lanes
        limits = security
        self.rules = rules
        self.notices = notices
    }

    static let mismatch = "The two password fields didn\u{2019}t match."
    static let wrongOldPassword = "Your old password was entered incorrectly. Please enter it again."

    public func change(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(PasswordChangeRequest.self)
        try context.requireRecentLogin(for: .passwordChange)
        let budget = lanes.budget(for: context.attemptLane(for: user))
        if let old = request.oldPassword { try checkOldPassword(old.value, user, budget: budget, context) }
        guard request.newPassword1.value == request.newPassword2.value else {
            throw APIError.field("new_password2", Self.mismatch)
        }
        try rules.check(request.newPassword2.value, for: user)
        let hash = try budget.run { DjangoPassword.make(request.newPassword1.value, iterations: iterations) }
        let now = context.clock.now()
        let (notices, requestID) = (self.notices, context.request.requestID)
        try context.db { connection in
            try connection.transaction {
                try UserStore(connection).changePassword(id: user.id, hash: hash, now: now.seconds)
                try notices.queue(.passwordChanged, to: user, outbox: OutboxStore(connection), now: now, requestID: requestID)
            }
        }
        context.logger.notice("password changed; sessions revoked")
        return .json(.ok, ["detail": "New password has been saved."])
    }

    /// With AUTHKIT_OLD_PASSWORD_FIELD_ENABLED: the old password, checked like a login attempt
    /// (same failure budget and delays as login/ for this name and lane, so a stolen access
    /// token does not give unlimited guesses at the password).
    private func checkOldPassword(_ password: String, _ user: User, budget: HashBudget, _ context: RequestContext) throws {
        let now = context.clock.now().seconds
        let key = LoginFailures.key(username: user.username, lane: context.attemptLane(for: user))
        let limits = self.limits
        let stored = try context.db(retry: true) { connection -> String? in
            let failures = LoginFailures(connection)
            guard try failures.reserve(key, now: now, limits: limits) else {
                let blocked = try failures.blockedUntil(key, now: now)
                throw APIError.throttled(wait: max(1, (blocked ?? now + 1) - now))
            }
            return try UserStore(connection).findWithHash(id: user.id)?.1
        }
        let verdict = try budget.run { () -> DjangoPassword.Verdict in
            guard let stored else {
                DjangoPassword.burn(password, iterations: iterations)
                return .mismatch
            }
            return DjangoPassword.verify(password, against: stored, currentIterations: iterations)
        }
        guard case .match = verdict else {
            context.logger.info("password change refused: wrong old password")
            throw APIError.field("old_password", Self.wrongOldPassword)
        }
        try context.db { try LoginFailures($0).clear(key) }
    }
}
