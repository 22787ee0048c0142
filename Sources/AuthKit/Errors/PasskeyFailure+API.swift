/// The single mapping of passkey and passwordless outcomes to the reference's answers
/// (docs/api.md §13–§14; messages as recorded from drf-auth-kit 1.8.1).
extension PasskeyFailure {
    public var apiError: APIError {
        switch self {
        // The reference answers a bare JSON array here, not an object.
        case .registrationRefused(let message): return APIError(status: .badRequest, body: [.string(message)])
        case .credentialNotFound: return .detail(.notFound, "No WebAuthnCredential matches the given query.")
        case .notANumber: return .notFound
        case .lastKeyOfPrimary:
            return .detail(.badRequest, "Cannot delete the last passkey while WebAuthn is the primary MFA method.")
        case .passwordlessFailed: return .nonField("WebAuthn authentication failed.")
        case .accountDisabled: return .nonField("User account is disabled.")
        case .invalidLinkToken: return .nonField("Invalid or expired token.")
        }
    }
}
