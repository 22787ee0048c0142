/// A kind of second factor (drf-auth-kit's MFA handler). Controllers only use this protocol,
/// so adding a handler (e.g. WebAuthn) means adding a type and registering it in `MFAHandlers`.
public protocol MFAHandler: Sendable {
    var name: String { get }
    /// TOTP step in seconds.
    var interval: Int64 { get }
    /// True when the service delivers codes (email); false when the user's device makes them.
    var dispatchesCodes: Bool { get }
    /// `setup_data` of the create response.
    func setupData(user: User, secret: String) -> JSONValue
    /// Delivers `code` to the user (only called when `dispatchesCodes`).
    func dispatch(code: String, to user: User, now: UnixTime) throws
    /// The body of mfa/challenge/ and login/challenge/ (`{}` for code-based methods).
    func challenge(user: User) -> JSONValue
}

extension MFAHandler {
    public func challenge(user: User) -> JSONValue { .object(JSONObject()) }
    public func dispatch(code: String, to user: User, now: UnixTime) throws {}
}

/// The authenticator-app method: the user scans the otpauth:// link.
public struct AppHandler: MFAHandler {
    public let name = "app"
    public let interval: Int64
    public let dispatchesCodes = false
    let issuer: String

    public init(settings: Settings) {
        interval = settings.mfa.appInterval
        issuer = settings.mfa.applicationName
    }

    public func setupData(user: User, secret: String) -> JSONValue {
        .object(["qr_link": .string(OTPAuthURI.make(issuer: issuer, username: user.username, secret: secret))])
    }
}

/// The email method: 180-second TOTP codes sent to the user's address. (Not a NIST-recognised
/// out-of-band authenticator: email does not prove possession of a device.)
public struct EmailHandler: MFAHandler {
    public let name = "email"
    public let interval = MFASettings.emailInterval
    public let dispatchesCodes = true
    let mailer: any Mailer
    let from: String

    public init(settings: Settings, mailer: any Mailer) {
        self.mailer = mailer
        from = settings.mfa.fromEmail
    }

    public func setupData(user: User, secret: String) -> JSONValue {
        .object(["detail": "Email message with MFA code has been sent."])
    }

    public func dispatch(code: String, to user: User, now: UnixTime) throws {
        try mailer.send(.verificationCode(code, to: user.email, from: from), now: now)
    }
}

/// The configured handlers, in AUTHKIT_MFA_HANDLERS order (the order of the mfa/ list).
public struct MFAHandlers: Sendable {
    public let ordered: [any MFAHandler]

    public init(settings: Settings, mailer: (any Mailer)?) {
        ordered = settings.mfaHandlers.compactMap { name -> (any MFAHandler)? in
            switch name {
            case "app": return AppHandler(settings: settings)
            case "email": return EmailHandler(settings: settings, mailer: mailer ?? UnconfiguredMailer())
            default: return nil
            }
        }
    }

    public func handler(_ name: String) -> (any MFAHandler)? {
        ordered.first { $0.name == name }
    }
}

/// Used when no transport is configured (only possible outside `serve`, which requires one).
struct UnconfiguredMailer: Mailer {
    func send(_ message: EmailMessage, now: UnixTime) throws {
        throw EmailError.transport("no email transport configured (AUTHKIT_EMAIL_FILE_DIR)")
    }
}
