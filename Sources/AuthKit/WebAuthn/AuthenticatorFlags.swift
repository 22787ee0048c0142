/// The flags byte of authenticatorData (W3C WebAuthn §6.1).
public struct AuthenticatorFlags: OptionSet, Sendable, Equatable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let userPresent = AuthenticatorFlags(rawValue: 0x01)
    public static let userVerified = AuthenticatorFlags(rawValue: 0x04)
    /// Backup eligible: the reference stores this as the credential's `discoverable`.
    public static let backupEligible = AuthenticatorFlags(rawValue: 0x08)
    public static let backedUp = AuthenticatorFlags(rawValue: 0x10)
    public static let attestedCredentialData = AuthenticatorFlags(rawValue: 0x40)
    public static let extensionData = AuthenticatorFlags(rawValue: 0x80)
}
