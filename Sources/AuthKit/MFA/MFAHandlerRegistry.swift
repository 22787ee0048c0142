/// What a handler is built from: its settings and the secret box, nothing else.
public struct HandlerEnvironment: Sendable {
    public let mfa: MFASettings
    /// Seconds between two explicit re-sends of a code (AUTHKIT_MFA_SEND_COOLDOWN).
    public let sendCooldown: Int64
    public let secrets: SecretBox
    /// The relying party passkeys are registered for (the `webauthn` handler).
    public let webauthn: WebAuthnSettings

    public init(mfa: MFASettings, sendCooldown: Int64, secrets: SecretBox, webauthn: WebAuthnSettings) {
        self.mfa = mfa
        self.webauthn = webauthn
        self.sendCooldown = sendCooldown
        self.secrets = secrets
    }
}

/// Every second-factor type this build knows, by name: the one place a new handler is
/// registered. The valid `AUTHKIT_MFA_HANDLERS` values are its names.
public struct MFAHandlerRegistry: Sendable {
    public typealias Factory = @Sendable (HandlerEnvironment) -> any MFAHandler
    public let entries: [(name: String, make: Factory)]

    public init(_ entries: [(name: String, make: Factory)]) { self.entries = entries }

    public static let builtIn = MFAHandlerRegistry([
        ("app", { AppHandler($0) }),
        ("email", { EmailHandler($0) }),
        ("webauthn", { WebAuthnHandler($0) }),
    ])

    /// This registry plus one more handler (tests, or a build with an extra factor).
    public func registering(_ name: String, _ make: @escaping Factory) -> MFAHandlerRegistry {
        MFAHandlerRegistry(entries + [(name, make)])
    }

    public var names: [String] { entries.map(\.name) }

    func make(_ name: String, _ environment: HandlerEnvironment) -> (any MFAHandler)? {
        entries.first { $0.name == name }?.make(environment)
    }
}

/// The configured handlers, in AUTHKIT_MFA_HANDLERS order (the order of the mfa/ list).
public struct MFAHandlers: Sendable {
    public let ordered: [any MFAHandler]

    public init(settings: Settings, registry: MFAHandlerRegistry = .builtIn) {
        let environment = HandlerEnvironment(mfa: settings.mfa, sendCooldown: settings.security.sendCooldown,
                                             secrets: SecretBox(keys: settings.security.encryptionKeys),
                                             webauthn: settings.webauthn)
        ordered = settings.mfa.handlers.compactMap { registry.make($0, environment) }
    }

    public func handler(_ name: String) -> (any MFAHandler)? {
        ordered.first { $0.name == name }
    }

    /// Every evidence kind the configured handlers produce, then `backup`.
    public var evidenceKinds: [String] { ordered.flatMap(\.evidenceKinds) + [BackupCodes.kind] }
}
