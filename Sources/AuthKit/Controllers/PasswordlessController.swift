/// passwordless/ (docs/api.md §14): sign-in with a passkey or an emailed token. Decodes, calls
/// `PasswordlessSignIn`, renders.
public struct PasswordlessController: Sendable {
    let signIn: PasswordlessSignIn
    let sessions: SessionIssuer
    let mfaLogin: MFALoginController

    public init(settings: Settings, mfa: MFAService, sessions: SessionIssuer, mfaLogin: MFALoginController) {
        signIn = PasswordlessSignIn(settings: settings, mfa: mfa)
        self.sessions = sessions
        self.mfaLogin = mfaLogin
    }

    public func passkeyInitiate(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(PasswordlessPasskeyInitiateRequest.self)
        return .json(.ok, try signIn.passkeyOptions(email: request.email?.value, context))
    }

    /// A full login without `mfa_enabled` (the reference's passkey answer), or the second step.
    public func passkeyVerify(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(PasswordlessPasskeyVerifyRequest.self)
        return try render(try signIn.passkey(request.credential.value, sessionID: request.sessionID, context),
                          mfaEnabledKey: false, context)
    }

    public func linkInitiate(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(LoginLinkRequest.self)
        try signIn.sendLink(to: request.email.value, context)
        return .json(.ok, ["detail": "A login link has been sent."])
    }

    /// A full login with `mfa_enabled: false` (the reference's email answer), or the second step.
    public func linkVerify(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(LoginLinkVerifyRequest.self)
        return try render(try signIn.verifyLink(request.token, context), mfaEnabledKey: true, context)
    }

    private func render(_ outcome: PasswordlessSignIn.Outcome, mfaEnabledKey: Bool,
                        _ context: RequestContext) throws -> HTTPResponse {
        switch outcome {
        case .signedIn(let user): return try sessions.completeLogin(user, context, mfaEnabledKey: mfaEnabledKey)
        case .secondStep(let token, let method): return MFALoginController.secondStepAnswer(token: token, method: method)
        }
    }
}
