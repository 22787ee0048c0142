/// drf-auth-kit's passwordless settings: sign-in with a passkey or with an emailed token.
/// Off unless USE_PASSWORDLESS is true, as in the reference.
public struct PasswordlessSettings: SettingsGroup {
    public enum Handler: String, Sendable, CaseIterable, Hashable {
        /// passwordless/email/initiate/ and passwordless/email/verify/.
        case email
        /// passwordless/webauthn/initiate/ and passwordless/webauthn/verify/.
        case webauthn
    }

    public var enabled: Bool
    static let enabled = SettingKey<Bool>(
        "USE_PASSWORDLESS", default: "false", .bool,
        "Serve the passwordless/ routes (PASSWORDLESS_HANDLERS).")

    public var handlers: [Handler]
    static let handlers = SettingKey<[Handler]>(
        "PASSWORDLESS_HANDLERS", default: "email,webauthn", .kinds("handler", allowsAll: false),
        "Passwordless sign-in ways served with USE_PASSWORDLESS: email (a one-time token by mail) and webauthn "
            + "(a passkey; needs WEBAUTHN_RP_ID and WEBAUTHN_ORIGIN).")

    public var tokenExpiry: Int64
    static let tokenExpiry = SettingKey<Int64>(
        "PASSWORDLESS_EPHEMERAL_TOKEN_EXPIRY", default: "900", .int64(in: 30...86400),
        "Seconds an emailed sign-in token works. Using one (or any later sign-in) voids it and every other "
            + "outstanding token of the user.")

    /// nil: the mail carries the bare token, as drf-auth-kit's does.
    public var emailLinkPath: String?
    static let emailLinkPath = SettingKey<String?>(
        "PASSWORDLESS_EMAIL_LINK_PATH", unset: nil, shown: "(unset)", SettingRule.text.optional,
        "Path after FRONTEND_BASE_URL of the page that posts the token to passwordless/email/verify/; the mail "
            + "then carries FRONTEND_BASE_URL/path?token=.... Unset: the mail carries the bare token. Never built "
            + "from the Host header.")

    public func serves(_ handler: Handler) -> Bool { enabled && handlers.contains(handler) }

    public static var catalog: [SettingInfo] { [enabled.info, handlers.info, tokenExpiry.info, emailLinkPath.info] }

    init(reader: SettingsReader) throws(SettingsError) {
        enabled = try reader.value(Self.enabled)
        handlers = try reader.value(Self.handlers)
        tokenExpiry = try reader.value(Self.tokenExpiry)
        emailLinkPath = try reader.value(Self.emailLinkPath)
    }
}
