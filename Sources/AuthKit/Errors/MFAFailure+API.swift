/// The single mapping of second-factor outcomes to drf-auth-kit's answers (messages as
/// recorded from drf-auth-kit 1.8.1, docs/api.md §6 and §5).
extension MFAFailure {
    public var apiError: APIError {
        switch self {
        case .noSuchMethod: return .nonField("Requested MFA method does not exist.")
        case .methodDoesNotExist: return .nonField("Method does not exist")
        case .alreadyExists: return .field("method", "This method is already exists")
        case .invalidCode(let action): return .nonField(Self.invalidCodeMessage(action))
        case .throttled(let wait): return .throttled(wait: wait)
        case .cannotRemove(let verb, let primary):
            return .nonField("Cannot \(verb) \(primary ? "primary" : "active") MFA method")
        // The reference crashes on a missing code here; it is an ordinary field error.
        case .codeRequired: return .field("code", FieldRules.required)
        case .invalidToken: return .nonField("Invalid token")
        case .sameMethod: return .nonField("Please select a new method")
        case .secretUnreadable: return .serverError
        }
    }

    static func invalidCodeMessage(_ action: CodeAction) -> String {
        switch action {
        case .login, .regenerate: return "Invalid code"
        case .confirm: return "Invalid verification code"
        case .deactivate, .delete: return "Invalid OTP code"
        case .primary: return "Invalid primary method code"
        }
    }
}
