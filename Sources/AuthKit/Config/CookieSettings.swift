/// drf-auth-kit's cookie settings (API.md §9): names, paths and attributes of the auth cookies.
public struct CookieSettings: SettingsGroup {
    public var useAuthCookie: Bool
    static let useAuthCookie = SettingKey<Bool>(
        "USE_AUTH_COOKIE", default: "true", .bool,
        "Set the auth cookies on login/refresh and delete them on logout; when true (and HTTPONLY) the body's "
            + "refresh is \"\".")

    public var secure: Bool
    static let secure = SettingKey<Bool>(
        "AUTH_COOKIE_SECURE", default: "false", .bool,
        "Add Secure to the auth cookies (turn on behind HTTPS).")

    public var httpOnly: Bool
    static let httpOnly = SettingKey<Bool>(
        "AUTH_COOKIE_HTTPONLY", default: "true", .bool,
        "Add HttpOnly to the auth cookies; also blanks refresh tokens in bodies when cookies carry them.")

    /// "Lax", "Strict", "None", or nil for no attribute.
    public var sameSite: String?
    static let sameSite = SettingKey<String?>(
        "AUTH_COOKIE_SAMESITE", default: "Lax", .sameSite,
        "SameSite attribute of the auth cookies: Lax, Strict or None (None requires Secure in browsers).")

    public var domain: String?
    static let domain = SettingKey<String?>(
        "AUTH_COOKIE_DOMAIN", unset: nil, shown: "(unset)", SettingRule.text.optional,
        "Domain attribute of the auth cookies; unset means host-only.")

    public var partitioned: Bool
    static let partitioned = SettingKey<Bool>(
        "AUTH_COOKIE_PARTITIONED", default: "false", .bool,
        "Add Partitioned (CHIPS) to the auth cookies.")

    public var accessName: String
    static let accessName = SettingKey<String>(
        "AUTH_JWT_COOKIE_NAME", default: "auth-jwt", .cookieName,
        "Name of the access-token cookie (also read for authentication).")

    public var accessPath: String
    static let accessPath = SettingKey<String>(
        "AUTH_JWT_COOKIE_PATH", default: "/", .text,
        "Path of the access-token cookie.")

    public var refreshName: String
    static let refreshName = SettingKey<String>(
        "AUTH_JWT_REFRESH_COOKIE_NAME", default: "auth-refresh-jwt", .cookieName,
        "Name of the refresh-token cookie (also read by token/refresh/ and logout/).")

    public var refreshPath: String
    static let refreshPath = SettingKey<String>(
        "AUTH_JWT_REFRESH_COOKIE_PATH", default: "/", .text,
        "Path of the refresh-token cookie.")

    public var deviceName: String
    static let deviceName = SettingKey<String>(
        "DEVICE_COOKIE_NAME", default: "authkit-device", .cookieName,
        "Name of the device cookie (OWASP's device cookies): set at every successful login, HttpOnly, Path = "
            + "BASE_PATH, with the Secure/SameSite/Domain attributes of the auth cookies. A client that sends it back "
            + "for the same login name has its own budget of wrong passwords and codes, so others cannot lock it out. "
            + "Non-browser clients should keep it like a browser does.")

    /// Seconds.
    public var deviceLifetime: Int64
    static let deviceLifetime = SettingKey<Int64>(
        "DEVICE_COOKIE_LIFETIME", default: "31536000", .int64(in: 3600...315_360_000),
        "Seconds a device cookie is honoured (a year). It also ends with a password change.")

    public static var catalog: [SettingInfo] {
        [useAuthCookie.info, secure.info, httpOnly.info, sameSite.info, domain.info, partitioned.info,
         accessName.info, accessPath.info, refreshName.info, refreshPath.info, deviceName.info, deviceLifetime.info]
    }

    init(reader: SettingsReader) throws(SettingsError) {
        useAuthCookie = try reader.value(Self.useAuthCookie)
        secure = try reader.value(Self.secure)
        httpOnly = try reader.value(Self.httpOnly)
        sameSite = try reader.value(Self.sameSite)
        domain = try reader.value(Self.domain)
        partitioned = try reader.value(Self.partitioned)
        accessName = try reader.value(Self.accessName)
        accessPath = try reader.value(Self.accessPath)
        refreshName = try reader.value(Self.refreshName)
        refreshPath = try reader.value(Self.refreshPath)
        deviceName = try reader.value(Self.deviceName)
        deviceLifetime = try reader.value(Self.deviceLifetime)
    }
}
