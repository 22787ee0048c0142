import CryptoCore
import FIDO

/// The two WebAuthn ceremonies as the MFA handler, the credential routes and passwordless
/// sign-in share them: options with a challenge we store, and answers checked against the
/// challenge taken back (once) and, for assertions, the stored key.
public struct PasskeyCeremonies: Sendable {
    public let settings: WebAuthnSettings

    /// §13.4.3: at least 16 random bytes; the reference sends 64.
    static let challengeLength = 64
    /// The reference's session ids: 32 random bytes, base64url.
    static let sessionIDLength = 32
    /// What the stored key's name is when none is given (the reference's default).
    public static let defaultName = "Passkey"
    /// Transports a browser may report (WebAuthn §5.8.4); others are dropped, as the reference does.
    static let knownTransports: Set<String> = ["usb", "nfc", "ble", "smart-card", "internal", "cable", "hybrid"]

    public init(settings: WebAuthnSettings) { self.settings = settings }

    var rpID: String { settings.rpID ?? "" }

    // MARK: Options

    /// Creation options for `user` (excluding the keys they have), with a new registration
    /// challenge stored in the user's one slot (a later one replaces it).
    public func creationOptions(for user: User, store: WebAuthnStore, now: Int64) throws -> JSONValue {
        let challenge = SecureRandom.bytes(Self.challengeLength)
        let existing = try store.credentials(userID: user.id)
        try store.issueRegistration(userID: user.id, challenge: challenge, expiresAt: now + settings.challengeExpiry)
        var selection = JSONObject()
        selection.append("residentKey", .string(settings.residentKey))
        selection.append("requireResidentKey", .bool(settings.residentKey == "required"))
        selection.append("userVerification", .string(settings.userVerification))
        var options = JSONObject()
        options.append("rp", .object(["name": .string(settings.rpName), "id": .string(rpID)]))
        options.append("user", .object([
            "id": .string(Base64.encodeURL(Array(String(user.id).utf8))),
            "name": .string(user.username), "displayName": .string(user.username),
        ]))
        options.append("challenge", .string(Base64.encodeURL(challenge)))
        options.append("pubKeyCredParams", .array([COSEAlgorithm.es256, .rs256].map {
            .object(["type": "public-key", "alg": .number(JSONNumber($0.rawValue))])
        }))
        options.append("timeout", .number(JSONNumber(settings.timeout)))
        options.append("excludeCredentials", .array(existing.map(Self.descriptor)))
        options.append("authenticatorSelection", .object(selection))
        options.append("attestation", .string(settings.attestation))
        return .object(options)
    }

    /// Request options for `purpose` (allowing `credentials`), with the `session_id` the
    /// answer must carry; the challenge is stored under a digest of that id.
    public func requestOptions(_ purpose: WebAuthnStore.Purpose, userID: Int64?, allowing credentials: [JSONValue],
                               store: WebAuthnStore, now: Int64) throws -> JSONValue {
        let challenge = SecureRandom.bytes(Self.challengeLength)
        let sessionID = Base64.encodeURL(SecureRandom.bytes(Self.sessionIDLength))
        try store.issueSession(purpose, userID: userID, sessionID: sessionID, challenge: challenge,
                               expiresAt: now + settings.challengeExpiry)
        var options = JSONObject()
        options.append("challenge", .string(Base64.encodeURL(challenge)))
        options.append("timeout", .number(JSONNumber(settings.timeout)))
        options.append("rpId", .string(rpID))
        options.append("allowCredentials", .array(credentials))
        options.append("userVerification", .string(settings.userVerification))
        options.append("session_id", .string(sessionID))
        return .object(options)
    }

    /// `{"id", "type", "transports"}`; `transports` is left out when none were reported.
    static func descriptor(_ credential: WebAuthnStore.Credential) -> JSONValue {
        descriptor(id: credential.credentialID, transports: credential.transports)
    }

    static func descriptor(id: [UInt8], transports: [String]) -> JSONValue {
        var descriptor = JSONObject()
        descriptor.append("id", .string(Base64.encodeURL(id)))
        descriptor.append("type", "public-key")
        if !transports.isEmpty { descriptor.append("transports", .array(transports.map { .string($0) })) }
        return .object(descriptor)
    }

    // MARK: Answers

    /// A registration answered to the user's registration challenge (taken whatever the outcome).
    public func verifyRegistration(_ credential: JSONValue, userID: Int64, store: WebAuthnStore,
                                   now: Int64) throws -> Result<Registration, WebAuthnRefusal> {
        guard let taken = try store.takeRegistration(userID: userID, now: now), taken.valid else {
            return .failure(.challengeNotFound(.registration))
        }
        do {
            let verified = try RegistrationVerifier.verify(
                credential: credential, expectedChallenge: taken.challenge, origins: settings.origins, rpID: rpID,
                requireUserVerification: settings.requiresUserVerification, trustAnchors: settings.trustAnchors)
            return .success(Registration(verified: verified, transports: Self.transports(of: credential)))
        } catch {
            return .failure(.verification(error))
        }
    }

    /// A verified registration and the transports the browser reported (unknown ones dropped).
    public struct Registration: Sendable {
        public let verified: VerifiedCredential
        public let transports: [String]
    }

    static func transports(of credential: JSONValue) -> [String] {
        guard case .object(let object) = credential, case .object(let response)? = object["response"],
              case .array(let items)? = response["transports"] else { return [] }
        var seen: [String] = []
        for case .string(let item) in items where knownTransports.contains(item) && !seen.contains(item) {
            seen.append(item)
        }
        return seen
    }

    /// An assertion answered under `sessionID` (its challenge taken whatever the outcome), by
    /// a stored key; `purpose` and `userID` (nil: anyone's key) say which challenges and keys count.
    public func verifyAssertion(_ assertion: JSONValue, sessionID: String, purpose: WebAuthnStore.Purpose,
                                userID: Int64?, store: WebAuthnStore,
                                now: Int64) throws -> Result<Assertion, WebAuthnRefusal> {
        guard let taken = try store.takeSession(sessionID, now: now), taken.valid, taken.purpose == purpose,
              taken.userID == userID else {
            return .failure(.challengeNotFound(.authentication))
        }
        let rawID: [UInt8]
        do { rawID = try AssertionVerifier.credentialID(of: assertion) } catch { return .failure(.verification(error)) }
        guard let stored = try store.credential(credentialID: rawID), userID == nil || stored.userID == userID else {
            return .failure(.unknownCredential)
        }
        do {
            let verified = try AssertionVerifier.verify(
                assertion: assertion, expectedChallenge: taken.challenge, origins: settings.origins, rpID: rpID,
                publicKey: stored.publicKey, storedSignCount: stored.signCount,
                requireUserVerification: settings.requiresUserVerification)
            return .success(Assertion(credential: stored, verified: verified))
        } catch {
            return .failure(.verification(error, credential: stored))
        }
    }

    /// An assertion that passed every check, with the key that signed it.
    public struct Assertion: Sendable {
        public let credential: WebAuthnStore.Credential
        public let verified: VerifiedAssertion
        public var userVerified: Bool { verified.flags.contains(.userVerified) }
    }
}

/// Why a passkey answer was refused: the reason logged and audited (never key material).
public enum WebAuthnRefusal: Error, Sendable {
    case challengeNotFound(WebAuthnStore.Purpose)
    case unknownCredential
    /// A registration whose credential id is already registered (by anyone).
    case duplicate
    /// A check of the ceremony failed; `credential` is the stored key when one was found.
    case verification(WebAuthnError, credential: WebAuthnStore.Credential? = nil)

    /// The reference's wording (py_webauthn's, as its credential route shows and its MFA routes log).
    public var reason: String {
        switch self {
        case .challengeNotFound(.registration): return "Registration challenge expired or not found."
        case .challengeNotFound: return "Authentication challenge expired or not found."
        case .unknownCredential: return "Credential not found."
        case .duplicate: return "Credential is already registered"
        case .verification(let error, _): return error.description
        }
    }

    /// The key whose counter went backwards: possibly a cloned authenticator.
    public var cloneSuspect: WebAuthnStore.Credential? {
        if case .verification(.signCountRegression, let credential?) = self { return credential }
        return nil
    }
}
