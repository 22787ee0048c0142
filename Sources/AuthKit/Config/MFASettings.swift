/// drf-auth-kit's MFA settings (API.md §9), plus replay protection and the email transport.
public struct MFASettings: Sendable {
    public var applicationName: String
    public var ephemeralTokenExpiry: Int64
    public var appInterval: Int64
    public var validWindow: Int64
    public var replayProtection: Bool
    public var backupCodeCount: Int
    public var backupCodeLength: Int
    public var backupCodeAlphabet: [Character]
    public var backupCodeSecureHash: Bool
    public var updatePrimaryRequiresPrimaryCode: Bool
    public var preventDeleteActive: Bool
    public var preventDeletePrimary: Bool
    public var deleteActiveRequiresCode: Bool
    public var fromEmail: String

    /// The email method's TOTP step (fixed in drf-auth-kit).
    public static let emailInterval: Int64 = 180
}
