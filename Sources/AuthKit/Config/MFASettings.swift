/// drf-auth-kit's MFA settings (API.md §9), plus replay protection and the email transport.
public struct MFASettings: SettingsGroup {
    /// drf-auth-kit's MFA_HANDLERS: the valid method names, in list order.
    public var handlers: [String]
    static let handlers = SettingKey<[String]>(
        "MFA_HANDLERS", default: "app,email", .nameList,
        "drf-auth-kit's MFA_HANDLERS: the valid method names and the order of the mfa/ list (any of the "
            + "registered handlers: app, email, webauthn; webauthn needs WEBAUTHN_RP_ID and WEBAUTHN_ORIGIN).")

    public var applicationName: String
    static let applicationName = SettingKey<String>(
        "MFA_APPLICATION_NAME", default: "MyApplication", .text,
        "Issuer shown by authenticator apps (the otpauth:// label prefix and issuer parameter).")

    public var ephemeralTokenExpiry: Int64
    static let ephemeralTokenExpiry = SettingKey<Int64>(
        "MFA_EPHEMERAL_TOKEN_EXPIRY", default: "900", .int64(in: 1...86400),
        "Seconds an ephemeral (second-step) login token stays valid. It also stops working once used to log in.")

    public var appInterval: Int64
    static let appInterval = SettingKey<Int64>(
        "MFA_TOTP_DEFAULT_INTERVAL", default: "30", .int64(in: 1...3600),
        "TOTP step of the app method, in seconds.")

    public var validWindow: Int64
    static let validWindow = SettingKey<Int64>(
        "MFA_TOTP_DEFAULT_VALID_WINDOW", default: "0", .int64(in: 0...10),
        "Neighbouring TOTP steps also accepted, on each side (app method). 1 tolerates 30 s of clock drift.")

    public var replayProtection: Bool
    static let replayProtection = SettingKey<Bool>(
        "MFA_TOTP_REPLAY_PROTECTION", default: "true", .bool,
        "Accept each TOTP step at most once per method (RFC 6238 §5.2, NIST 800-63B): a used code, or an older "
            + "one, is refused, across instances.")

    public var backupCodeCount: Int
    static let backupCodeCount = SettingKey<Int>(
        "NUM_OF_BACKUP_CODES", default: "5", .int(in: 0...100),
        "Backup codes issued per method at creation.")

    public var backupCodeLength: Int
    static let backupCodeLength = SettingKey<Int>(
        "BACKUP_CODE_LENGTH", default: "12", .int(in: 8...64),
        "Characters per backup code; a code of exactly this length is also tried as a backup code.")

    public var backupCodeAlphabet: [Character]
    static let backupCodeAlphabet = SettingKey<[Character]>(
        "BACKUP_CODE_ALLOWED_CHARS", default: "0123456789ABCDEFGHJKMNPQRSTVWXYZ", .alphabet,
        "Alphabet of backup codes (Crockford base32 by default), drawn uniformly.")

    public var backupCodeSecureHash: Bool
    static let backupCodeSecureHash = SettingKey<Bool>(
        "BACKUP_CODE_SECURE_HASH", default: "true", .bool,
        "Store backup codes as salted PBKDF2 hashes (MFA_BACKUP_CODE_ITERATIONS; one salt per method, so a guess "
            + "costs one hash); false stores a keyed HMAC-SHA256 (fast).")

    /// PBKDF2-SHA256 iterations for new backup-code hashes (their own cost, not the password's).
    public var backupCodeIterations: Int
    static let backupCodeIterations = SettingKey<Int>(
        "MFA_BACKUP_CODE_ITERATIONS", default: "10000", .int(in: 1...10_000_000),
        "PBKDF2-SHA256 iterations for new backup-code hashes. Backup codes are 60-bit random secrets, so they need "
            + "far less stretching than passwords (see docs/security.md): 10,000 keeps creating a method at a few "
            + "ms of CPU while an offline search of one code costs ~10^15 hashes. Existing methods keep their own "
            + "scheme.")

    /// Seconds an emailed code is accepted after it was generated.
    public var emailCodeValidity: Int64
    static let emailCodeValidity = SettingKey<Int64>(
        "MFA_EMAIL_CODE_VALIDITY", default: "180", .int64(in: 30...3600),
        "Seconds an emailed code is accepted after it was sent. Each send makes a new random code; only the "
            + "latest one works, once.")

    public var updatePrimaryRequiresPrimaryCode: Bool
    static let updatePrimaryRequiresPrimaryCode = SettingKey<Bool>(
        "MFA_UPDATE_PRIMARY_METHOD_REQUIRED_PRIMARY_CODE", default: "false", .bool,
        "mfa/primary/ requires primary_code: a current code or backup code of the current primary method.")

    public var preventDeleteActive: Bool
    static let preventDeleteActive = SettingKey<Bool>(
        "MFA_PREVENT_DELETE_ACTIVE_METHOD", default: "false", .bool,
        "Refuse delete/ and deactivate/ of active methods.")

    public var preventDeletePrimary: Bool
    static let preventDeletePrimary = SettingKey<Bool>(
        "MFA_PREVENT_DELETE_PRIMARY_METHOD", default: "false", .bool,
        "Refuse delete/ and deactivate/ of the primary method.")

    public var deleteActiveRequiresCode: Bool
    static let deleteActiveRequiresCode = SettingKey<Bool>(
        "MFA_DELETE_ACTIVE_METHOD_REQUIRE_CODE", default: "true", .bool,
        "delete/ of an active method requires `code` (a current code or backup code of that method). "
            + "drf-auth-kit's default is false, which lets anyone holding an access token switch MFA off.")

    public var fromEmail: String
    static let fromEmail = SettingKey<String>(
        "DEFAULT_FROM_EMAIL", default: "webmaster@localhost", .text,
        "From address of code emails (Django's DEFAULT_FROM_EMAIL).")

    public static var catalog: [SettingInfo] {
        [handlers.info, applicationName.info, ephemeralTokenExpiry.info, appInterval.info, validWindow.info,
         replayProtection.info, backupCodeCount.info, backupCodeLength.info, backupCodeAlphabet.info,
         backupCodeSecureHash.info, backupCodeIterations.info, emailCodeValidity.info,
         updatePrimaryRequiresPrimaryCode.info, preventDeleteActive.info, preventDeletePrimary.info,
         deleteActiveRequiresCode.info, fromEmail.info]
    }

    /// `registry` names the valid MFA_HANDLERS values.
    init(reader: SettingsReader, registry: MFAHandlerRegistry) throws(SettingsError) {
        handlers = try reader.value(Self.handlers)
        for name in handlers where !registry.names.contains(name) {
            throw SettingsError(
                setting: Self.handlers.variable,
                problem: "unknown handler \"\(name)\" in \"\(handlers.joined(separator: ","))\" "
                    + "(known: \(registry.names.joined(separator: ", ")))")
        }
        applicationName = try reader.value(Self.applicationName)
        ephemeralTokenExpiry = try reader.value(Self.ephemeralTokenExpiry)
        appInterval = try reader.value(Self.appInterval)
        validWindow = try reader.value(Self.validWindow)
        replayProtection = try reader.value(Self.replayProtection)
        backupCodeCount = try reader.value(Self.backupCodeCount)
        backupCodeLength = try reader.value(Self.backupCodeLength)
        backupCodeAlphabet = try reader.value(Self.backupCodeAlphabet)
        backupCodeSecureHash = try reader.value(Self.backupCodeSecureHash)
        backupCodeIterations = try reader.value(Self.backupCodeIterations)
        emailCodeValidity = try reader.value(Self.emailCodeValidity)
        updatePrimaryRequiresPrimaryCode = try reader.value(Self.updatePrimaryRequiresPrimaryCode)
        preventDeleteActive = try reader.value(Self.preventDeleteActive)
        preventDeletePrimary = try reader.value(Self.preventDeletePrimary)
        deleteActiveRequiresCode = try reader.value(Self.deleteActiveRequiresCode)
        fromEmail = try reader.value(Self.fromEmail)
        if fromEmail.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw SettingsError(setting: Self.fromEmail.variable, problem: "must not contain line breaks")
        }
    }
}
