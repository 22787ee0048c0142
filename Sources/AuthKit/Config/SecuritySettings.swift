/// Attempt limits, rate limits and secrets at rest (issue 6).
public struct SecuritySettings: SettingsGroup {
    public var mfaFailuresBeforeDelay: Int
    static let mfaFailuresBeforeDelay = SettingKey<Int>(
        "MFA_FAILURES_BEFORE_DELAY", default: "3", .int(in: 1...1_000_000),
        "Consecutive wrong codes for a method before each further attempt must wait (1, 2, 4 ... s); attempts "
            + "inside the wait get 429 without the code being checked.")

    public var mfaMaxDelay: Int64
    static let mfaMaxDelay = SettingKey<Int64>(
        "MFA_MAX_DELAY", default: "900", .int64(in: 1...86400),
        "Longest wait, in seconds, between second-factor attempts.")

    public var mfaMaxFailures: Int
    static let mfaMaxFailures = SettingKey<Int>(
        "MFA_MAX_FAILURES", default: "100", .int(in: 1...1_000_000),
        "Consecutive wrong codes after which the method is locked until `authkit mfa unlock USER` (NIST "
            + "800-63B's ceiling).")

    public var sendCooldown: Int64
    static let sendCooldown = SettingKey<Int64>(
        "MFA_SEND_COOLDOWN", default: "30", .int64(in: 0...3600),
        "Seconds between two explicit re-sends of a code email for one method (login/resend/ and mfa/send/ get "
            + "429 with the time to wait). The first login step always sends a new code.")

    public var passwordFailuresBeforeDelay: Int
    static let passwordFailuresBeforeDelay = SettingKey<Int>(
        "PASSWORD_FAILURES_BEFORE_DELAY", default: "5", .int(in: 1...1_000_000),
        "Consecutive wrong passwords for one login name before each further attempt must wait (1, 2, 4 ... s, "
            + "429 meanwhile).")

    public var passwordMaxDelay: Int64
    static let passwordMaxDelay = SettingKey<Int64>(
        "PASSWORD_MAX_DELAY", default: "900", .int64(in: 1...86400),
        "Longest wait, in seconds, between password attempts for one login name.")

    /// Requests per `period` seconds per client IP on the login routes; nil = unlimited.
    public var loginRate: (requests: Int, period: Int64)?
    static let loginRate = SettingKey<(requests: Int, period: Int64)?>(
        "THROTTLE_RATES", default: "auth_kit=60/min", .throttleRate,
        "DRF-style rate per client IP for the login routes (login/, login/verify/, change-method, resend, "
            + "challenge, token/refresh/), as scope=N/period with period s, min, hour or day; `none` disables. "
            + "Counted per instance.")

    public var trustedProxies: [IPRange]
    static let trustedProxies = SettingKey<[IPRange]>(
        "TRUSTED_PROXIES", unset: [], shown: "(none)", .ipRanges,
        "Comma-separated addresses (or CIDR ranges) of proxies in front of nginx whose X-Forwarded-For is "
            + "believed for the client IP.")

    /// Encryption keys for TOTP secrets, newest first.
    public var encryptionKeys: [EncryptionKey]
    static let encryptionKeys = SettingKey<[EncryptionKey]>(
        "SECRET_ENCRYPTION_KEYS", computed: "(derived from SECRET_KEY)", .encryptionKeys,
        "TOTP secrets are stored AES-256-GCM encrypted: id:base64key entries, comma-separated, newest first; the "
            + "newest encrypts, all decrypt. `authkit secrets rotate` re-encrypts every row with the newest.")

    public static var catalog: [SettingInfo] {
        [mfaFailuresBeforeDelay.info, mfaMaxDelay.info, mfaMaxFailures.info, sendCooldown.info,
         passwordFailuresBeforeDelay.info, passwordMaxDelay.info, loginRate.info, trustedProxies.info,
         encryptionKeys.info]
    }

    /// `secretKey` (`TokenSettings.secretKey`) derives the encryption key when none is configured.
    init(reader: SettingsReader, secretKey: String) throws(SettingsError) {
        mfaFailuresBeforeDelay = try reader.value(Self.mfaFailuresBeforeDelay)
        mfaMaxDelay = try reader.value(Self.mfaMaxDelay)
        mfaMaxFailures = try reader.value(Self.mfaMaxFailures)
        sendCooldown = try reader.value(Self.sendCooldown)
        passwordFailuresBeforeDelay = try reader.value(Self.passwordFailuresBeforeDelay)
        passwordMaxDelay = try reader.value(Self.passwordMaxDelay)
        loginRate = try reader.value(Self.loginRate)
        trustedProxies = try reader.value(Self.trustedProxies)
        let derived = secretKey.isEmpty ? [] : [EncryptionKey(id: "k0", bytes: SecretBox.derivedKey(secretKey))]
        encryptionKeys = try reader.value(Self.encryptionKeys, default: derived)
    }
}

public struct EncryptionKey: Sendable, Equatable {
    public let id: String
    public let bytes: [UInt8]
}
