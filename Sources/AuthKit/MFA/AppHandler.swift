import QRCode

/// The authenticator-app method: the user scans the otpauth:// link; codes are RFC 6238 TOTP.
public struct AppHandler: MFAHandler {
    public let name = "app"
    public let evidenceKinds = [AppHandler.kind]
    public var redemptions: [Redemption] { [Self.usedStep, Self.anyStep] }
    static let kind = "totp"

    let interval: Int64
    let window: Int64
    let issuer: String
    let replayProtection: Bool
    let secrets: SecretBox

    /// Replay protection: a step is accepted once, and never one older than the last accepted.
    static let usedStep = Redemption(name: "totp_step", assignments: "last_used_step = $11::bigint",
                                     condition: "last_used_step < $11::bigint")
    /// AUTHKIT_MFA_TOTP_REPLAY_PROTECTION=false: drf-auth-kit's behaviour, a code works all step long.
    static let anyStep = Redemption(name: "totp_any",
                                    assignments: "last_used_step = greatest(last_used_step, $11::bigint)",
                                    condition: "true")

    public init(_ environment: HandlerEnvironment) {
        interval = environment.mfa.appInterval
        window = environment.mfa.validWindow
        issuer = environment.mfa.applicationName
        replayProtection = environment.mfa.replayProtection
        secrets = environment.secrets
    }

    /// `qr_link` is drf-auth-kit's, byte for byte, and comes first. `qr_svg` and `secret` are
    /// additions (as django-two-factor-auth and Authelia show both): a page can show the QR code
    /// without a JavaScript QR library, and the secret for typing in when the camera cannot be used.
    public func enrol(user: User) throws -> Enrolment {
        let secret = TOTP.newSecret()
        let link = OTPAuthURI.make(issuer: issuer, username: user.username, secret: secret)
        var setup = JSONObject()
        setup.append("qr_link", .string(link))
        // Only a URI over 2 KB (a very long issuer and username) has no QR code: the link and
        // the secret still let the user enrol, rather than the whole request failing.
        if let svg = Self.qrSVG(link) { setup.append("qr_svg", .string(svg)) }
        setup.append("secret", .string(secret))
        return Enrolment(secret: secret, setupData: .object(setup))
    }

    /// Level M: a typical URI stays at version 6 (41 modules), small enough for any phone camera, with
    /// 15 % of it recoverable (glare on a screen). 4 CSS pixels a module: about 200 px, as pages show it.
    static func qrSVG(_ link: String) -> String? {
        try? QRCode.encode(link, level: .medium).svg(moduleSize: 4, quietZone: 4)
    }

    public func evidence(_ code: String, for method: MFAMethod, now: UnixTime) throws -> Evidence? {
        guard let secret = try? secrets.open(method.secret, userID: method.userID, method: method.name),
              let totp = TOTP(base32: secret, interval: interval),
              let step = totp.matchingStep(code, at: now.seconds, window: window) else { return nil }
        return Evidence(kind: Self.kind, redemption: replayProtection ? Self.usedStep : Self.anyStep,
                        parameters: [String(step)])
    }
}
