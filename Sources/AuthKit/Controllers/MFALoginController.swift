/// The second step of login (API.md §5): the MFA branch of login/, and login/verify/,
/// login/change-method/, login/resend/, login/challenge/.
public struct MFALoginController: Sendable {
    let mfa: MFAService
    let sessions: SessionIssuer

    public init(mfa: MFAService, sessions: SessionIssuer) {
        self.mfa = mfa
        self.sessions = sessions
    }

    /// For a user with an active method: the ephemeral-token answer (and, for email, the code
    /// is sent). Nil when the user has no active method.
    public func firstStep(_ user: User, _ context: RequestContext) throws -> HTTPResponse? {
        guard let name = try context.db(retry: true, { try MFAStore($0).challengeMethod(userID: user.id) }) else { return nil }
        let method = try mfa.activeMethod(name, of: user, context)
        // Inside the send cooldown the previous email's code still works: nothing new is sent.
        try mfa.queueCode(for: method, to: user, context: context, cooldown: .skip)
        var body = JSONObject()
        body.append("ephemeral_token", .string(mfa.ephemeralToken(for: user, method: name, now: context.clock.now().seconds)))
        body.append("method", .string(name))
        body.append("mfa_enabled", true)
        return .json(.ok, body)
    }

    public func verify(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(LoginVerifyRequest.self)
        let (user, name, found) = try mfa.resolve(request.ephemeralToken, context)
        guard let method = found else { throw MFAService.noSuchMethod }
        try mfa.checkAttemptAllowed(method, now: context.clock.now().seconds)
        let evidence = try mfa.evidence(request.code, for: method, allowBackup: true, now: context.clock.now().seconds)
        let origin = context.origin
        // The code is consumed and the login recorded in the trail together.
        let accepted = try evidence != .none && context.db { connection in
            try connection.transaction {
                let store = MFAStore(connection)
                guard try mfa.redeem(evidence, method: method, store: store, origin: origin) else { return false }
                try store.trail.record(.loginVerified, method: method, kind: mfa.kind(of: request.code, evidence: evidence, allowBackup: true),
                                       origin: origin)
                return true
            }
        }
        try mfa.record(success: accepted, for: method, context, flow: .login,
                       kind: mfa.kind(of: request.code, evidence: evidence, allowBackup: true))
        guard accepted else { throw APIError.nonField("Invalid code") }
        if case .backup = evidence { context.logger.notice("backup code used", metadata: ["method": "\(name)"]) }
        // Recording last_login also invalidates the ephemeral token.
        return try sessions.completeLogin(user, context, mfaEnabledKey: false)
    }

    public func changeMethod(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(LoginChangeMethodRequest.self)
        let (user, current, found) = try mfa.resolve(request.ephemeralToken, context, method: request.newMethod.value)
        guard request.newMethod.value != current else { throw APIError.nonField("Please select a new method") }
        guard let method = found else { throw MFAService.noSuchMethod }
        var body = JSONObject()
        body.append("ephemeral_token", .string(mfa.ephemeralToken(for: user, method: method.name, now: context.clock.now().seconds)))
        body.append("new_method", .string(method.name))
        return .json(.ok, body)
    }

    public func resend(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(EphemeralTokenRequest.self)
        let (user, name, found) = try mfa.resolve(request.ephemeralToken, context)
        guard let method = found else { throw MFAService.noSuchMethod }
        try mfa.queueCode(for: method, to: user, context: context)
        return .json(.ok, ["ephemeral_token": .string(mfa.ephemeralToken(for: user, method: name, now: context.clock.now().seconds))])
    }

    public func challenge(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(EphemeralTokenRequest.self)
        let (user, _, found) = try mfa.resolve(request.ephemeralToken, context)
        guard let method = found else { throw MFAService.noSuchMethod }
        return .json(.ok, mfa.handlers.handler(method.name)?.challenge(user: user) ?? .object(JSONObject()))
    }
}
