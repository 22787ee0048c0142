/// Immutable configuration, shared by every worker thread: one group per concern. Each group
/// loads and checks itself from its own `SettingKey`s; components take only the groups they use.
public struct Settings: Sendable {
    public var database: DatabaseSettings
    public var server: ServerSettings
    public var tokens: TokenSettings
    public var cookies: CookieSettings
    public var browsers: BrowserSettings
    public var hashing: HashingSettings
    public var passwords: PasswordPolicySettings
    public var maintenance: MaintenanceSettings
    public var metrics: MetricsSettings
    public var mfa: MFASettings
    public var webauthn: WebAuthnSettings
    public var passwordless: PasswordlessSettings
    public var email: EmailSettings
    public var account: AccountSettings
    public var security: SecuritySettings
    public var throttles: ThrottleSettings
    public var reauthentication: ReauthenticationSettings
    public var logging: LoggingSettings

    /// Names of AUTHKIT_* variables that are not settings (likely typos), for a start-up warning.
    public var unknownVariables: [String] = []

    /// Every group's catalog, in the order `authkit settings` and docs/settings.md list them.
    static var catalog: [SettingInfo] {
        DatabaseSettings.catalog + ServerSettings.catalog + TokenSettings.catalog + CookieSettings.catalog + BrowserSettings.catalog
            + HashingSettings.catalog + PasswordPolicySettings.catalog + MaintenanceSettings.catalog
            + MetricsSettings.catalog + MFASettings.catalog + WebAuthnSettings.catalog + PasswordlessSettings.catalog
            + EmailSettings.catalog + AccountSettings.catalog
            + SecuritySettings.catalog + ThrottleSettings.catalog + ReauthenticationSettings.catalog
            + LoggingSettings.catalog
    }

    /// Reads settings from `environment` (already merged: config file first, process
    /// environment on top). `requireDatabase` is false for commands that never connect.
    /// `registry` names the valid AUTHKIT_MFA_HANDLERS values.
    public static func load(from environment: [String: String], requireDatabase: Bool = true,
                            requireSecretKey: Bool = false,
                            registry: MFAHandlerRegistry = .builtIn) throws(SettingsError) -> Settings {
        try load(reader: SettingsReader(environment: environment), requireDatabase: requireDatabase,
                 requireSecretKey: requireSecretKey, registry: registry)
    }

    /// The loader proper; tests pass a recording reader to compare what it reads with the catalog.
    static func load(reader: SettingsReader, requireDatabase: Bool, requireSecretKey: Bool,
                     registry: MFAHandlerRegistry) throws(SettingsError) -> Settings {
        let server = try ServerSettings(reader: reader)
        let tokens = try TokenSettings(reader: reader, requireSecretKey: requireSecretKey)
        let mfa = try MFASettings(reader: reader, registry: registry)
        let passwordless = try PasswordlessSettings(reader: reader)
        let usesWebAuthn = mfa.handlers.contains(WebAuthnHandler.methodName) || passwordless.serves(.webauthn)
        var settings = Settings(
            database: try DatabaseSettings(reader: reader, required: requireDatabase),
            server: server,
            tokens: tokens,
            cookies: try CookieSettings(reader: reader),
            browsers: try BrowserSettings(reader: reader),
            hashing: try HashingSettings(reader: reader, workers: server.workers),
            passwords: try PasswordPolicySettings(reader: reader),
            maintenance: try MaintenanceSettings(reader: reader),
            metrics: try MetricsSettings(reader: reader),
            mfa: mfa,
            webauthn: try WebAuthnSettings(reader: reader, required: usesWebAuthn),
            passwordless: passwordless,
            email: try EmailSettings(reader: reader),
            account: try AccountSettings(reader: reader, basePath: server.basePath),
            security: try SecuritySettings(reader: reader, secretKey: tokens.secretKey),
            throttles: try ThrottleSettings(reader: reader),
            reauthentication: try ReauthenticationSettings(reader: reader),
            logging: try LoggingSettings(reader: reader))
        settings.unknownVariables = reader.environment.keys
            .filter { $0.hasPrefix(SettingsCatalog.prefix) }
            .filter { !SettingsCatalog.isKnown(String($0.dropFirst(SettingsCatalog.prefix.count))) }
            .sorted()
        return settings
    }
}
