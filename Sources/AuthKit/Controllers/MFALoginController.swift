/// The second step of login (docs/api.md §5): decodes, calls `SecondStep`, renders.
public struct MFALoginController: Sendable {
    let step: SecondStep
    let sessions: SessionIssuer

    public init(mfa: MFAService, sessions: SessionIssuer) {
        step = SecondStep(mfa: mfa)
        self.sessions = sessions
    }

    /// The MFA branch of login/: the ephemeral-token answer, nil when the user has no active method.
    public func firstStep(_ user: User, passwordHash: String, _ context: RequestContext) throws -> HTTPResponse? {
        guard let (token, method) = try step.begin(user, passwordHash: passwordHash, context) else { return nil }
        return Self.secondStepAnswer(token: token, method: method)
    }

    /// `{"ephemeral_token", "method", "mfa_enabled": true}`: the second step is next.
    static func secondStepAnswer(token: String, method: String) -> HTTPResponse {
        var body = JSONObject()
        body.append("ephemeral_token", .string(token))
        body.append("method", .string(method))
        body.append("mfa_enabled", true)
        return .json(.ok, body)
    }

    public func verify(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(LoginVerifyRequest.self)
        let now = context.clock.now()
        let user = try step.verify(token: request.ephemeralToken, code: request.code, at: now, context)
        return try sessions.completeLogin(user, context, mfaEnabledKey: false, recordedAt: now)
    }

    public func changeMethod(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(LoginChangeMethodRequest.self)
        let (token, method) = try step.changeMethod(token: request.ephemeralToken, to: request.newMethod.value, context)
        var body = JSONObject()
        body.append("ephemeral_token", .string(token))
        body.append("new_method", .string(method))
        return .json(.ok, body)
    }

    public func resend(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(EphemeralTokenRequest.self)
        return .json(.ok, ["ephemeral_token": .string(try step.resend(token: request.ephemeralToken, context))])
    }

    public func challenge(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(EphemeralTokenRequest.self)
        return .json(.ok, try step.challengeOptions(token: request.ephemeralToken, context))
    }
}
