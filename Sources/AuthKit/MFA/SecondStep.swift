/// The second step of login (docs/api.md §5) as domain operations: the MFA branch of login/,
/// and login/verify/, login/change-method/, login/resend/, login/challenge/.
public struct SecondStep: Sendable {
    let mfa: MFAService

    public init(mfa: MFAService) { self.mfa = mfa }

    /// For a user with an active method: issues its challenge (an email method always sends a
    /// fresh code here) and returns the ephemeral token, bound to `passwordHash` (the hash the
    /// password was just checked against). Nil when the user has no active method.
    public func begin(_ user: User, passwordHash: String,
                      _ context: RequestContext) throws -> (token: String, method: String)? {
        guard let method = try context.db(retry: true, { try MFAStore($0).challengeMethod(userID: user.id) }) else {
            return nil
        }
        guard mfa.handlers.handler(method.name) != nil else { throw MFAFailure.noSuchMethod }
        try mfa.challenge(method, user: user, reason: .login, context: context)
        let token = mfa.ephemeralToken(for: user, method: method.name, passwordHash: passwordHash,
                                       issuedAt: context.clock.now().seconds)
        return (token, method.name)
    }

    /// login/verify/: the code (or a backup code) of the token's method. On success the login
    /// is recorded at `at` by the consuming statement itself, which also ends the token.
    public func verify(token: String, code: String, at now: UnixTime, _ context: RequestContext) throws -> User {
        let resolved = try mfa.resolve(token, context)
        let user = resolved.user
        guard let method = resolved.method else { throw MFAFailure.noSuchMethod }
        try mfa.verifier.verify(code, on: method, of: user, action: .login, allowBackup: true, context: context,
                                consume: .statement(event: .loginVerified, loginAt: now))
        return user
    }

    /// login/change-method/: a token for another active method of the same user.
    public func changeMethod(token: String, to name: String,
                             _ context: RequestContext) throws -> (token: String, method: String) {
        let resolved = try mfa.resolve(token, context, method: name)
        guard name != resolved.tokenMethod else { throw MFAFailure.sameMethod }
        guard let method = resolved.method else { throw MFAFailure.noSuchMethod }
        return (resolved.token(mfa, method: method.name), method.name)
    }

    /// login/resend/: a new challenge for the token's method (429 inside the send cooldown).
    public func resend(token: String, _ context: RequestContext) throws -> String {
        let resolved = try mfa.resolve(token, context)
        guard let method = resolved.method else { throw MFAFailure.noSuchMethod }
        try mfa.challenge(method, user: resolved.user, reason: .resend, context: context)
        return resolved.token(mfa, method: resolved.tokenMethod)
    }

    /// login/challenge/: the handler's challenge options for the token's method.
    public func challengeOptions(token: String, _ context: RequestContext) throws -> JSONValue {
        let resolved = try mfa.resolve(token, context)
        guard let method = resolved.method else { throw MFAFailure.noSuchMethod }
        return try mfa.challengeOptions(method, user: resolved.user, context: context)
    }
}
