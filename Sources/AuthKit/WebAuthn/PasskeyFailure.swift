/// Outcomes of the passkey and passwordless routes that are not a success; mapped to the
/// reference's answers in one place (`PasskeyFailure+API.swift`).
public enum PasskeyFailure: Error, Sendable, Equatable {
    /// webauthn/credentials/: a registration refused, with the reference's one-line message.
    case registrationRefused(String)
    /// A credential id that is not the caller's (or not a number).
    case credentialNotFound
    case notANumber
    /// The last key while passkeys are the primary, active second factor.
    case lastKeyOfPrimary
    /// passwordless/webauthn/verify/: anything that is not a valid answer by a known key.
    case passwordlessFailed
    /// The key's (or token's) owner is inactive.
    case accountDisabled
    /// passwordless/email/verify/: a token that does not hold (any reason).
    case invalidLinkToken
}
