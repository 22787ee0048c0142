/// Recent authentication for sensitive changes (django-allauth's reauthentication): a leaked
/// access token must not be enough to add an attacker's own second factor or to change the
/// password. Which changes ask for it, and how recent the login must be.
public struct ReauthenticationSettings: SettingsGroup {
    /// Seconds since the session's login (the tokens' `auth_time`) within which a sensitive
    /// change is allowed.
    public var timeout: Int64
    static let timeout = SettingKey<Int64>(
        "REAUTHENTICATION_TIMEOUT", default: "300", .int64(in: 10...86400),
        "Seconds after a login within which the changes listed in REAUTHENTICATION_REQUIRED are allowed; later "
            + "they answer 403 until the user logs in again (django-allauth's reauthentication, 300 s).")

    /// The changes that need a recent login.
    public var required: [SensitiveChange]
    static let required = SettingKey<[SensitiveChange]>(
        "REAUTHENTICATION_REQUIRED", default: "none", .sensitiveChanges,
        "Changes that need a login within REAUTHENTICATION_TIMEOUT: none, or a list of mfa_create (adding a method "
            + "while another is active: a leaked access token could otherwise add the attacker's own app and get its "
            + "secret and backup codes) and password_change. Off by default because drf-auth-kit's routes do not ask "
            + "for it; routes that drf-auth-kit does not have ask for it always (regenerating backup codes needs a "
            + "code of the method itself).")

    public static var catalog: [SettingInfo] { [timeout.info, required.info] }

    init(reader: SettingsReader) throws(SettingsError) {
        timeout = try reader.value(Self.timeout)
        required = try reader.value(Self.required)
    }
}

/// A change that may need a recent login.
public enum SensitiveChange: String, Sendable, CaseIterable {
    case mfaCreate = "mfa_create"
    case passwordChange = "password_change"
}
