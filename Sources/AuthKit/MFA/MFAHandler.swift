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
    /// Queues the current code for delivery to the user, in the caller's transaction (only
    /// called when `dispatchesCodes`).
    func dispatch(method: MFAMethod, to user: User, now: UnixTime, validWindow: Int64, outbox: OutboxStore, requestID: String) throws
    /// The body of mfa/challenge/ and login/challenge/ (`{}` for code-based methods).
    func challenge(user: User) -> JSONValue
}

extension MFAHandler {
    public func challenge(user: User) -> JSONValue { .object(JSONObject()) }
    public func dispatch(method: MFAMethod, to user: User, now: UnixTime, validWindow: Int64, outbox: OutboxStore, requestID: String) throws {}
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

/// The email method: 180-second TOTP codes sent to the user's address through the outbox.
/// (Not a NIST-recognised out-of-band authenticator: email does not prove possession of a device.)
public struct EmailHandler: MFAHandler {
    public let name = "email"
    public let interval = MFASettings.emailInterval
    public let dispatchesCodes = true

    public init() {}

    public func setupData(user: User, secret: String) -> JSONValue {
        .object(["detail": "Email message with MFA code has been sent."])
    }

    /// The code itself is not stored: the sender recomputes it from the method's secret and
    /// this step, and does not send it once no verifier would accept it.
    public func dispatch(method: MFAMethod, to user: User, now: UnixTime, validWindow: Int64, outbox: OutboxStore, requestID: String) throws {
        let step = now.seconds / interval
        try outbox.enqueue(userID: user.id, methodID: method.id, recipient: user.email, step: step, interval: interval,
                           validUntil: (step + validWindow + 1) * interval, requestID: requestID)
    }
}

/// The configured handlers, in AUTHKIT_MFA_HANDLERS order (the order of the mfa/ list).
public struct MFAHandlers: Sendable {
    public let ordered: [any MFAHandler]

    public init(settings: Settings) {
        ordered = settings.mfaHandlers.compactMap { name -> (any MFAHandler)? in
            switch name {
            case "app": return AppHandler(settings: settings)
            case "email": return EmailHandler()
            default: return nil
            }
        }
    }

    public func handler(_ name: String) -> (any MFAHandler)? {
        ordered.first { $0.name == name }
    }
}
