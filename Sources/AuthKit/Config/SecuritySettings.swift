/// Attempt limits and secrets at rest.
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

    /// Encryption keys for TOTP secrets, newest first.
    public var encryptionKeys: [EncryptionKey]
    static let encryptionKeys = SettingKey<[EncryptionKey]>(
        "SECRET_ENCRYPTION_KEYS", computed: "(derived from SECRET_KEY)", .encryptionKeys,
        "TOTP secrets are stored AES-256-GCM encrypted: id:base64key entries, comma-separated, newest first; the "
            + "newest encrypts, all decrypt. `authkit secrets rotate` re-encrypts every row with the newest. Set it in "
            + "production (deploy/up generates one; `authkit secrets generate-key`): the key derived from SECRET_KEY, "
            + "which Django services may share, is for development only and `authkit doctor` fails on it.")
    /// True when no key is configured and the development key derived from SECRET_KEY is used.
    public var encryptionKeysDerived: Bool

    public static var catalog: [SettingInfo] {
        [mfaFailuresBeforeDelay.info, mfaMaxDelay.info, mfaMaxFailures.info, sendCooldown.info,
         passwordFailuresBeforeDelay.info, passwordMaxDelay.info, encryptionKeys.info]
    }

    /// `secretKey` (`TokenSettings.secretKey`) derives the encryption key when none is configured.
    init(reader: SettingsReader, secretKey: String) throws(SettingsError) {
        mfaFailuresBeforeDelay = try reader.value(Self.mfaFailuresBeforeDelay)
        mfaMaxDelay = try reader.value(Self.mfaMaxDelay)
        mfaMaxFailures = try reader.value(Self.mfaMaxFailures)
        sendCooldown = try reader.value(Self.sendCooldown)
        passwordFailuresBeforeDelay = try reader.value(Self.passwordFailuresBeforeDelay)
        passwordMaxDelay = try reader.value(Self.passwordMaxDelay)
        // Client addresses come from nginx now (REMOTE_ADDR after its realip module); a
        // configuration still naming the old setting must not start with a false sense of safety.
        if let proxies = reader.environment[SettingsCatalog.prefix + "TRUSTED_PROXIES"], !proxies.isEmpty {
            throw SettingsError(setting: SettingsCatalog.prefix + "TRUSTED_PROXIES", problem: """
                is no longer read: let nginx's realip module set the client address (set_real_ip_from <proxy>; \
                real_ip_header X-Forwarded-For; real_ip_recursive on; see nginx/authkit.conf) and remove this setting
                """)
        }
        let derived = secretKey.isEmpty ? [] : [EncryptionKey(id: "k0", bytes: SecretBox.derivedKey(secretKey))]
        encryptionKeys = try reader.value(Self.encryptionKeys, default: derived)
        encryptionKeysDerived = reader.text(Self.encryptionKeys) == nil
    }
}

public struct EncryptionKey: Sendable, Equatable {
    public let id: String
    public let bytes: [UInt8]
}
