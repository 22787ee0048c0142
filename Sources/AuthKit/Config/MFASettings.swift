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
    /// PBKDF2-SHA256 iterations for new backup-code hashes (their own cost, not the password's).
    public var backupCodeIterations: Int
    /// Seconds an emailed code is accepted after it was generated.
    public var emailCodeValidity: Int64
    public var updatePrimaryRequiresPrimaryCode: Bool
    public var preventDeleteActive: Bool
    public var preventDeletePrimary: Bool
    public var deleteActiveRequiresCode: Bool
    public var fromEmail: String
}
