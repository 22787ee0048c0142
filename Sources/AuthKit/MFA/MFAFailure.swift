/// Why a second-factor operation did not happen: the domain's outcome, mapped to DRF-style
/// answers in one place (`MFAFailure+API.swift`).
public enum MFAFailure: Error, Sendable, Equatable {
    /// The user has no (suitable) method of that name, or the name is not configured.
    case noSuchMethod
    /// mfa/delete/ of a method that does not exist (drf-auth-kit words it differently).
    case methodDoesNotExist
    case alreadyExists
    /// A wrong, replayed or expired code for `action`.
    case invalidCode(CodeAction)
    /// Inside an attempt delay or send cooldown (seconds to wait), or locked (nil).
    case throttled(wait: Int64?)
    /// MFA_PREVENT_DELETE_ACTIVE_METHOD / MFA_PREVENT_DELETE_PRIMARY_METHOD.
    case cannotRemove(verb: String, primary: Bool)
    /// delete/ of an active method without `code` (MFA_DELETE_ACTIVE_METHOD_REQUIRE_CODE).
    case codeRequired
    case invalidToken
    /// login/change-method/ to the method the token already names.
    case sameMethod
    /// The method's secret does not decrypt with the configured keys (see `authkit doctor`).
    case secretUnreadable
}

/// Which action a code authorises: it picks the error message and the audit flow.
public enum CodeAction: Sendable, Equatable {
    case login, confirm, deactivate, primary, delete, regenerate

    /// The metrics flow: the second login step, or method management.
    var flow: MetricsLayout.Flow { self == .login ? .login : .manage }
    /// The audit event of a wrong code.
    var failureEvent: MFAEvent { self == .login ? .loginFailed : .codeFailed }
}
