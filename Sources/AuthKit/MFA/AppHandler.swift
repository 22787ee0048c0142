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

    public func enrol(user: User) throws -> Enrolment {
        let secret = TOTP.newSecret()
        return Enrolment(secret: secret, setupData: .object([
            "qr_link": .string(OTPAuthURI.make(issuer: issuer, username: user.username, secret: secret)),
        ]))
    }

    public func evidence(_ code: String, for method: MFAMethod, now: UnixTime) throws -> Evidence? {
        guard let secret = try? secrets.open(method.secret, userID: method.userID, method: method.name),
              let totp = TOTP(base32: secret, interval: interval),
              let step = totp.matchingStep(code, at: now.seconds, window: window) else { return nil }
        return Evidence(kind: Self.kind, redemption: replayProtection ? Self.usedStep : Self.anyStep,
                        parameters: [String(step)])
    }
}
