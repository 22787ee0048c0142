import CryptoCore

/// drf-auth-kit's WEBAUTHN_* settings: the relying party passkeys are registered for and how
/// the options ask for them. Only read when a `webauthn` handler is configured (MFA or
/// passwordless); then the RP id and the origins are required.
public struct WebAuthnSettings: SettingsGroup {
    /// nil: unset (webauthn handlers refuse to start).
    public var rpID: String?
    static let rpID = SettingKey<String?>(
        "WEBAUTHN_RP_ID", unset: nil, shown: "(unset)", SettingRule.rpID.optional,
        "Relying party id passkeys are bound to: the site's host or a registrable suffix of it (e.g. example.com "
            + "for app.example.com), no scheme or port. Required when webauthn is in MFA_HANDLERS or "
            + "PASSWORDLESS_HANDLERS; a key registered for one RP id never works for another.")

    public var rpName: String
    static let rpName = SettingKey<String>(
        "WEBAUTHN_RP_NAME", computed: "(WEBAUTHN_RP_ID)", .text,
        "rp.name of the creation options: the site name authenticators show.")

    /// Exact origins clientDataJSON.origin may have.
    public var origins: [String]
    static let origins = SettingKey<[String]>(
        "WEBAUTHN_ORIGIN", unset: [], shown: "(unset)", .originList,
        "Origins (scheme://host[:port]) the browser pages run on, comma-separated; clientDataJSON's origin must be "
            + "one of them exactly. Required with webauthn.")

    public var timeout: Int
    static let timeout = SettingKey<Int>(
        "WEBAUTHN_TIMEOUT", default: "60000", .int(in: 1000...600_000),
        "timeout (milliseconds) in creation and request options: how long the browser waits for the user.")

    public var attestation: String
    static let attestation = SettingKey<String>(
        "WEBAUTHN_ATTESTATION", default: "none", .choice(["none", "indirect", "direct", "enterprise"]),
        "attestation of the creation options. Statements in the formats none, packed and fido-u2f are verified; "
            + "their certificates are chained to a trust anchor only with WEBAUTHN_TRUST_STORE.")

    /// The path as configured; nil: no chain check (any valid statement, as the reference without roots).
    public var trustStorePath: String?
    /// The roots read from `trustStorePath` at start-up, so a broken file stops the service
    /// before it serves instead of refusing every registration later.
    public var trustAnchors: X509TrustAnchors?
    static let trustStore = SettingKey<String?>(
        "WEBAUTHN_TRUST_STORE", unset: nil, shown: "(unset)", SettingRule.absolutePath.optional,
        "PEM bundle of root certificates (absolute path, read at start-up) that attestation certificates must "
            + "chain to: registrations are then accepted only with a packed (x5c) or fido-u2f statement whose "
            + "x5c verifies to one of them (x5c[0] the attestation certificate, the rest intermediates); none and "
            + "self attestation are refused. Needs WEBAUTHN_ATTESTATION direct (or indirect, enterprise): browsers "
            + "send certificates only when asked. Unset: statements are verified but not chained.")

    public var userVerification: String
    static let userVerification = SettingKey<String>(
        "WEBAUTHN_USER_VERIFICATION", default: "preferred", .choice(["required", "preferred", "discouraged"]),
        "userVerification of both option kinds; required also refuses registrations and assertions without the UV "
            + "flag (PIN or biometric).")

    public var residentKey: String
    static let residentKey = SettingKey<String>(
        "WEBAUTHN_RESIDENT_KEY", default: "preferred", .choice(["required", "preferred", "discouraged"]),
        "authenticatorSelection.residentKey (requireResidentKey is true exactly when required).")

    public var challengeExpiry: Int64
    static let challengeExpiry = SettingKey<Int64>(
        "WEBAUTHN_CHALLENGE_EXPIRY", default: "300", .int64(in: 10...3600),
        "Seconds a registration or authentication challenge can be answered; each is answered at most once.")

    public var requiresUserVerification: Bool { userVerification == "required" }

    public static var catalog: [SettingInfo] {
        [rpID.info, rpName.info, origins.info, timeout.info, attestation.info, trustStore.info,
         userVerification.info, residentKey.info, challengeExpiry.info]
    }

    /// `required`: a webauthn handler is configured, so the RP id and origins must be set.
    init(reader: SettingsReader, required: Bool) throws(SettingsError) {
        rpID = try reader.value(Self.rpID)
        rpName = try reader.value(Self.rpName, default: rpID ?? "")
        origins = try reader.value(Self.origins)
        timeout = try reader.value(Self.timeout)
        attestation = try reader.value(Self.attestation)
        trustStorePath = try reader.value(Self.trustStore)
        trustAnchors = try trustStorePath.map { (path) throws(SettingsError) in try Self.loadTrustStore(path) }
        userVerification = try reader.value(Self.userVerification)
        residentKey = try reader.value(Self.residentKey)
        challengeExpiry = try reader.value(Self.challengeExpiry)
        if trustAnchors != nil, attestation == "none" {
            // Browsers answer an attestation preference of none with fmt none: nothing could register.
            throw SettingsError(setting: Self.trustStore.variable,
                                problem: "needs WEBAUTHN_ATTESTATION direct, indirect or enterprise (with none, "
                                    + "browsers drop the certificates and every registration would be refused)")
        }
        guard required else { return }
        guard let rpID else {
            throw SettingsError(setting: Self.rpID.variable, problem: "required when webauthn is in MFA_HANDLERS or "
                                    + "PASSWORDLESS_HANDLERS (the site's host, e.g. example.com)")
        }
        guard !origins.isEmpty else {
            throw SettingsError(setting: Self.origins.variable, problem: "required when webauthn is in MFA_HANDLERS "
                                    + "or PASSWORDLESS_HANDLERS (e.g. https://\(rpID))")
        }
        for origin in origins {
            let host = AccountSettings.host(of: origin).split(separator: ":").first.map(String.init) ?? ""
            guard host == rpID || host.hasSuffix("." + rpID) else {
                throw SettingsError(setting: Self.origins.variable,
                                    problem: "\"\(origin)\" is not on WEBAUTHN_RP_ID \"\(rpID)\" or a subdomain of it: "
                                        + "browsers would refuse every ceremony")
            }
        }
    }
}

extension WebAuthnSettings {
    /// The roots of the PEM bundle at `path`, or a SettingsError saying why the file cannot serve.
    static func loadTrustStore(_ path: String) throws(SettingsError) -> X509TrustAnchors {
        do { return try X509TrustAnchors(pemFile: path) } catch {
            throw SettingsError(setting: trustStore.variable,
                                problem: "\(path) is not a readable PEM bundle of certificates (\(error))")
        }
    }
}

extension SettingRule where Value == String {
    /// A host name: lowercase letters, digits, dots and hyphens (no scheme, port or path).
    static var rpID: Self {
        Self { (text: String) throws(InvalidSetting) -> String in
            let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-")
            guard text.count <= 253, text.allSatisfy({ allowed.contains($0) }), !text.hasPrefix("."),
                  !text.hasSuffix(".") else {
                throw InvalidSetting(problem: "must be a lowercase host name such as example.com, got \"\(text)\"")
            }
            return text
        }
    }
}

extension SettingRule where Value == [String] {
    /// Comma-separated http(s) origins without path, query or trailing slash.
    static var originList: Self {
        Self { (text: String) throws(InvalidSetting) -> [String] in
            let items = text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
            for item in items {
                let url = try SettingRule<String>.httpURL.parse(item)
                guard url == item, !item.dropFirst(8).contains("/") else {
                    throw InvalidSetting(problem: "\"\(item)\" is not an origin (scheme://host[:port], no path or "
                                             + "trailing slash)")
                }
            }
            return items
        }
    }
}
