/// One row of `mfa_methods` (everything but the backup-code hashes).
public struct MFAMethod: Sendable, Equatable {
    public let id: Int64
    public let userID: Int64
    public let name: String
    public let secret: String
    public var isPrimary: Bool
    public var isActive: Bool
    public let backupSalt: String
    public let backupScheme: BackupCodes.Scheme?
    public let lastUsedStep: Int64
    /// Attempts reserved and not answered by a right code, and the limits they caused.
    public var failedAttempts: Int = 0
    public var blockedUntil: Int64?
    public var locked: Bool = false
    /// The latest emailed code's keyed hash and when it was generated (email method).
    public var emailCodeHash: String?
    public var emailCodeSentAt: Int64?
    public var backupCodesRemaining: Int = 0
}
