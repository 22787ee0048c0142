/// What browsers on other origins may do: Django's CSRF_TRUSTED_ORIGINS and django-cors-headers'
/// CORS_ALLOWED_ORIGINS. Empty by default: only the service's own origin makes cookie-authenticated
/// changes, and no other origin reads answers.
public struct BrowserSettings: SettingsGroup {
    public var csrfTrustedOrigins: [String]
    static let csrfTrustedOrigins = SettingKey<[String]>(
        "CSRF_TRUSTED_ORIGINS", unset: [], shown: "(unset)", .originList,
        "Origins (scheme://host[:port], comma-separated) besides the service's own whose pages may send "
            + "cookie-authenticated POST/PUT/PATCH/DELETE requests (Django's CSRF_TRUSTED_ORIGINS). CORS_ALLOWED_ORIGINS "
            + "are trusted too. Requests authenticated by an Authorization header, and requests without Origin, "
            + "Referer and Sec-Fetch-Site (non-browser clients), are not affected.")

    public var corsAllowedOrigins: [String]
    static let corsAllowedOrigins = SettingKey<[String]>(
        "CORS_ALLOWED_ORIGINS", unset: [], shown: "(unset)", .originList,
        "Origins (exact, comma-separated) whose pages may call the API from the browser with credentials "
            + "(django-cors-headers' CORS_ALLOWED_ORIGINS): answers carry Access-Control-Allow-Origin for them and "
            + "preflights are answered with the route's methods. Cross-site cookies need AUTH_COOKIE_SAMESITE=None "
            + "and AUTH_COOKIE_SECURE=true (HTTPS).")

    public var corsMaxAge: Int
    static let corsMaxAge = SettingKey<Int>(
        "CORS_PREFLIGHT_MAX_AGE", default: "86400", .int(in: 0...86400),
        "Seconds a browser may cache a preflight answer (Access-Control-Max-Age).")

    public static var catalog: [SettingInfo] { [csrfTrustedOrigins.info, corsAllowedOrigins.info, corsMaxAge.info] }

    init(reader: SettingsReader) throws(SettingsError) {
        csrfTrustedOrigins = try reader.value(Self.csrfTrustedOrigins)
        corsAllowedOrigins = try reader.value(Self.corsAllowedOrigins)
        corsMaxAge = try reader.value(Self.corsMaxAge)
    }
}
