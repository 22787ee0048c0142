/// simplejwt's token settings and the key that signs tokens (shared with a Django service).
public struct TokenSettings: SettingsGroup {
    public var secretKey: String
    static let secretKey = SettingKey<String>(
        "SECRET_KEY", unset: "", shown: "(required)", .text,
        "Signs JWTs (HS256) and ephemeral MFA tokens, like Django's SECRET_KEY: share it with a Django service "
            + "to accept each other's tokens. At least 32 characters.")

    /// Seconds.
    public var accessTokenLifetime: Int64
    static let accessTokenLifetime = SettingKey<Int64>(
        "ACCESS_TOKEN_LIFETIME", default: "300", .int64(in: 1...31_536_000),
        "simplejwt ACCESS_TOKEN_LIFETIME, in seconds.")

    /// Seconds.
    public var refreshTokenLifetime: Int64
    static let refreshTokenLifetime = SettingKey<Int64>(
        "REFRESH_TOKEN_LIFETIME", default: "86400", .int64(in: 1...31_536_000),
        "simplejwt REFRESH_TOKEN_LIFETIME, in seconds.")

    public var rotateRefreshTokens: Bool
    static let rotateRefreshTokens = SettingKey<Bool>(
        "ROTATE_REFRESH_TOKENS", default: "false", .bool,
        "simplejwt ROTATE_REFRESH_TOKENS: token/refresh/ also returns a new refresh token and revokes the one used "
            + "(single use, atomically).")

    public static var catalog: [SettingInfo] {
        [secretKey.info, accessTokenLifetime.info, refreshTokenLifetime.info, rotateRefreshTokens.info]
    }

    /// `requireSecretKey`: false for commands that sign nothing.
    init(reader: SettingsReader, requireSecretKey: Bool) throws(SettingsError) {
        secretKey = try reader.value(Self.secretKey)
        accessTokenLifetime = try reader.value(Self.accessTokenLifetime)
        refreshTokenLifetime = try reader.value(Self.refreshTokenLifetime)
        rotateRefreshTokens = try reader.value(Self.rotateRefreshTokens)
        if requireSecretKey && secretKey.count < 32 {
            throw SettingsError(
                setting: Self.secretKey.variable,
                problem: secretKey.isEmpty
                    ? "is required (a random string of at least 32 characters, e.g. `head -c 48 /dev/urandom | base64`)"
                    : "is too short (\(secretKey.count) characters; at least 32 are required)")
        }
    }
}
