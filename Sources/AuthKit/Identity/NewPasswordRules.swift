/// The single place a new password (password/change/, password/reset/confirm/) is checked
/// beyond its field rules, after the two copies were found equal: the password policy
/// (AUTHKIT_PASSWORD_VALIDATORS), with Django's messages, all at once, under `new_password2` as
/// the reference reports them. `AUTHKIT_PASSWORD_VALIDATORS=none` is the reference's default
/// (Django's empty AUTH_PASSWORD_VALIDATORS): nothing is refused.
public struct NewPasswordRules: Sendable {
    let policy: PasswordPolicy

    public init(policy: PasswordPolicy) { self.policy = policy }

    /// `serve` opens the policy itself (a missing dictionary stops the start). Other callers
    /// (tests, tools) get it from the settings, and when its dictionary cannot be opened the same
    /// policy without the `common` check rather than none at all.
    static func policy(_ settings: PasswordPolicySettings) -> PasswordPolicy {
        if let policy = try? PasswordPolicy(settings: settings) { return policy }
        var reduced = settings
        reduced.validators.removeAll { $0 == .common }
        // Without `common` nothing is opened: this cannot fail.
        return try! PasswordPolicy(settings: reduced)
    }

    /// registration/'s messages for `password1` (the user does not exist yet: no similarity
    /// check). Without validators, allauth's own minimum of 6 applies instead, as on the
    /// reference (allauth only adds it when AUTH_PASSWORD_VALIDATORS is empty).
    func registrationProblems(_ password: String) -> [String] {
        guard policy.validators.isEmpty else { return policy.problems(password) }
        return password.unicodeScalars.count < Self.allauthMinimum
            ? ["This password is too short. It must contain at least \(Self.allauthMinimum) characters."] : []
    }

    /// allauth's ACCOUNT_PASSWORD_MIN_LENGTH default.
    static let allauthMinimum = 6

    func check(_ password: String, for user: User) throws(APIError) {
        let problems = policy.problems(password, user: (username: user.username, email: user.email,
                                                        firstName: user.firstName, lastName: user.lastName))
        guard !problems.isEmpty else { return }
        throw APIError(status: .badRequest, body: .object(["new_password2": .array(problems.map { .string($0) })]))
    }
}
