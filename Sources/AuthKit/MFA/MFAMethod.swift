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
    /// Consecutive wrong codes, and the attempt limits they caused.
    public var failedAttempts: Int = 0
    public var blockedUntil: Int64?
    public var locked: Bool = false
}
