/// Attempt limits, rate limits and secrets at rest (issue 6).
public struct SecuritySettings: Sendable {
    public var mfaFailuresBeforeDelay: Int
    public var mfaMaxDelay: Int64
    public var mfaMaxFailures: Int
    public var sendCooldown: Int64
    public var passwordFailuresBeforeDelay: Int
    public var passwordMaxDelay: Int64
    /// Requests per `period` seconds per client IP on the login routes; nil = unlimited.
    public var loginRate: (requests: Int, period: Int64)?
    public var trustedProxies: [IPRange]
    /// Encryption keys for TOTP secrets, newest first.
    public var encryptionKeys: [EncryptionKey]
}

public struct EncryptionKey: Sendable, Equatable {
    public let id: String
    public let bytes: [UInt8]
}
