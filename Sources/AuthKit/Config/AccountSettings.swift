/// The account routes (issue 14): where reset and e-mail confirmation links point, what the
/// mails call the site, how long reset tokens and confirmation keys live and whether a password
/// change asks for the old password.
/// Links and the site name come from here, never from the request's Host header (which a
/// client chooses: a forged Host would otherwise put an attacker's link in a real reset mail).
public struct AccountSettings: SettingsGroup {
    /// drf-auth-kit's FRONTEND_BASE_URL, without a trailing slash; nil: unset (reset mails are
    /// then not sent — the route still answers 200, and logs an error).
    public var frontendBaseURL: String?
    static let frontendBaseURL = SettingKey<String?>(
        "FRONTEND_BASE_URL", unset: nil, shown: "(unset)", SettingRule.httpURL.optional,
        "http(s) URL the links in password reset and e-mail confirmation mails start with (drf-auth-kit's "
            + "FRONTEND_BASE_URL). Links are never built from the request's Host header; while this is unset "
            + "password/reset/, registration/ and registration/resend-email/ still answer as usual but send no mail "
            + "and log an error.")

    /// The path joined to `frontendBaseURL` (leading slash removed), before `?uid=…&token=…`.
    public var passwordResetConfirmPath: String
    static let passwordResetConfirmPath = SettingKey<String>(
        "PASSWORD_RESET_CONFIRM_PATH", computed: "(API_BASE_PATH + password/reset/confirm)", .text,
        "Path of the reset link after FRONTEND_BASE_URL (drf-auth-kit's PASSWORD_RESET_CONFIRM_PATH): base without "
            + "its trailing /, one /, this path without its leading /, then ?uid=...&token=....")

    /// The path joined to `frontendBaseURL` (leading slash removed), before `?key=…`.
    public var registerEmailConfirmPath: String
    static let registerEmailConfirmPath = SettingKey<String>(
        "REGISTER_EMAIL_CONFIRM_PATH", computed: "(API_BASE_PATH + registration/verify-email)", .text,
        "Path of the e-mail confirmation link after FRONTEND_BASE_URL (drf-auth-kit's REGISTER_EMAIL_CONFIRM_PATH), "
            + "joined like PASSWORD_RESET_CONFIRM_PATH, then ?key=....")

    /// Days an e-mail confirmation key is accepted (allauth's ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS).
    public var emailConfirmationExpireDays: Int64
    static let emailConfirmationExpireDays = SettingKey<Int64>(
        "ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS", default: "3", .int64(in: 0...3650),
        "Days an e-mail confirmation key works (allauth's ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS); every key of an "
            + "address dies once the address is confirmed.")

    /// `<site>` in the mails' subject and text.
    public var siteName: String
    static let siteName = SettingKey<String>(
        "SITE_NAME", computed: "(host of FRONTEND_BASE_URL)", .text,
        "What password reset and e-mail confirmation mails call the site: [<site>] Password Reset Email, "
            + "Hello from <site>!")

    /// Seconds a reset token is accepted (Django's PASSWORD_RESET_TIMEOUT).
    public var passwordResetTimeout: Int64
    static let passwordResetTimeout = SettingKey<Int64>(
        "PASSWORD_RESET_TIMEOUT", default: "259200", .int64(in: 1...31_536_000),
        "Seconds a password reset link works (3 days, Django's default); it also dies once the password changes "
            + "or the user logs in.")

    /// drf-auth-kit's OLD_PASSWORD_FIELD_ENABLED.
    public var oldPasswordFieldEnabled: Bool
    static let oldPasswordFieldEnabled = SettingKey<Bool>(
        "OLD_PASSWORD_FIELD_ENABLED", default: "false", .bool,
        "password/change/ requires and checks old_password (drf-auth-kit's OLD_PASSWORD_FIELD_ENABLED); off, an "
            + "old_password in the body is ignored.")

    public static var catalog: [SettingInfo] {
        [frontendBaseURL.info, passwordResetConfirmPath.info, registerEmailConfirmPath.info, siteName.info,
         passwordResetTimeout.info, emailConfirmationExpireDays.info, oldPasswordFieldEnabled.info]
    }

    /// `basePath`: the API's mount point (`/api/auth/`), which the default confirm path is under.
    init(reader: SettingsReader, basePath: String) throws(SettingsError) {
        frontendBaseURL = try reader.value(Self.frontendBaseURL)
        passwordResetConfirmPath = try reader.value(Self.passwordResetConfirmPath,
                                                    default: basePath + "password/reset/confirm")
        registerEmailConfirmPath = try reader.value(Self.registerEmailConfirmPath,
                                                    default: basePath + "registration/verify-email")
        emailConfirmationExpireDays = try reader.value(Self.emailConfirmationExpireDays)
        siteName = try reader.value(Self.siteName, default: frontendBaseURL.map(Self.host(of:)) ?? "")
        passwordResetTimeout = try reader.value(Self.passwordResetTimeout)
        oldPasswordFieldEnabled = try reader.value(Self.oldPasswordFieldEnabled)
    }

    /// The link a reset mail carries: drf-auth-kit's joining rule (base without trailing `/`,
    /// one `/`, path without leading `/`), no slash added before the query. nil when no base
    /// URL is configured.
    public func passwordResetLink(uid: String, token: String) -> String? {
        link(passwordResetConfirmPath).map { $0 + "?uid=" + uid + "&token=" + token }
    }

    /// The link an e-mail confirmation mail carries, joined the same way, the key
    /// form-urlencoded (`:` → `%3A`) as allauth writes it. nil when no base URL is configured.
    public func emailConfirmationLink(key: String) -> String? {
        link(registerEmailConfirmPath).map { $0 + "?key=" + FormURLEncoded.quotePlus(key) }
    }

    private func link(_ path: String) -> String? {
        guard let base = frontendBaseURL else { return nil }
        var path = Substring(path)
        while path.hasPrefix("/") { path = path.dropFirst() }
        return base + "/" + path
    }

    /// `https://app.example.com:8443/x` → `app.example.com:8443`.
    static func host(of url: String) -> String {
        let rest = url.firstRange(of: "://").map { url[$0.upperBound...] } ?? Substring(url)
        return String(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
    }
}

extension SettingRule where Value == String {
    /// An absolute http(s) URL with a host, kept without its trailing slashes.
    static var httpURL: Self {
        Self { (text: String) throws(InvalidSetting) -> String in
            let lower = text.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"),
                  !AccountSettings.host(of: text).isEmpty,
                  !text.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" }) else {
                throw InvalidSetting(problem: "must be an http:// or https:// URL with a host (no query), e.g. https://app.example.com")
            }
            var url = Substring(text)
            while url.hasSuffix("/") { url = url.dropLast() }
            return String(url)
        }
    }
}
