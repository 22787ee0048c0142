import CryptoCore
import PostgreSQL

/// Passwordless sign-in (the reference's `auth_kit.passwordless`) as domain operations: with a
/// passkey, or with a one-time token sent by mail.
///
/// A passkey sign-in is complete on its own only when the authenticator verified the user (UV:
/// PIN or biometric, so two factors); without UV a user with an active MFA method still passes
/// the second step, as after an emailed token. Audit rows say which it was.
public struct PasswordlessSignIn: Sendable {
    let ceremonies: PasskeyCeremonies
    let step: SecondStep
    let links: LoginLinkToken
    let settings: PasswordlessSettings
    let account: AccountSettings
    let throttles: ThrottleSettings
    let addresses: AddressDigest

    public init(settings: Settings, mfa: MFAService) {
        ceremonies = PasskeyCeremonies(settings: settings.webauthn)
        step = SecondStep(mfa: mfa)
        links = LoginLinkToken(secretKey: settings.tokens.secretKey, expiry: settings.passwordless.tokenExpiry)
        self.settings = settings.passwordless
        account = settings.account
        throttles = settings.throttles
        addresses = AddressDigest(secretKey: settings.tokens.secretKey)
    }

    /// How a sign-in ended: a session, or the MFA second step to finish it.
    public enum Outcome {
        case signedIn(User)
        case secondStep(token: String, method: String)
    }

    // MARK: Passkey

    /// Request options for a passwordless answer; with `email`, the keys of its active owner
    /// (only a hint to the browser: any registered key may answer). An address without keys
    /// gets one made-up key, stable per address, so the answer does not tell who has an account
    /// or passkeys (the reference answers an empty list there).
    public func passkeyOptions(email: String?, _ context: RequestContext) throws -> JSONValue {
        let now = context.clock.now().seconds
        let (ceremonies, decoy) = (self.ceremonies, self.decoy)
        return try context.db { connection in
            var keys = try email.map { try PasswordlessStore(connection).keys(email: $0) } ?? []
            if let email, keys.isEmpty { keys = [(decoy(email), ["hybrid", "internal"])] }
            return try ceremonies.requestOptions(
                .passwordless, userID: nil, allowing: keys.map { PasskeyCeremonies.descriptor(id: $0, transports: $1) },
                store: WebAuthnStore(connection), now: now)
        }
    }

    /// The made-up credential id of an address without keys: 32 bytes, like many real ones.
    var decoy: @Sendable (String) -> [UInt8] {
        let key = addresses.digest("decoy-credential", scope: .passwordlessAddress)
        return { email in HMAC.authenticate(.sha256, key: Array(key.utf8), message: Array(email.lowercased().utf8)) }
    }

    /// An assertion answered to a passwordless challenge: the key's owner signs in.
    public func passkey(_ credential: JSONValue, sessionID: String, _ context: RequestContext) throws -> Outcome {
        let now = context.clock.now().seconds
        let (ceremonies, origin) = (self.ceremonies, context.origin)
        // An object, or its JSON text (the reference answers 500 for text).
        switch credential {
        case .object, .string: break
        default: throw PasskeyFailure.passwordlessFailed
        }
        guard let document = PublicKeyCredentialJSON.document(credential) else {
            throw PasskeyFailure.passwordlessFailed
        }
        let (user, hash, verified) = try context.db { connection -> (User, String, Bool) in
            let store = WebAuthnStore(connection)
            let audit = PasskeyAudit(connection)
            switch try ceremonies.verifyAssertion(document, sessionID: sessionID, purpose: .passwordless, userID: nil,
                                                  store: store, now: now) {
            case .failure(let refusal):
                context.logger.info("passwordless passkey refused", metadata: ["reason": "\(refusal.reason)"])
                if case .verification(_, let key?) = refusal {
                    try audit.refused(refusal, userID: key.userID, origin: origin)
                }
                throw PasskeyFailure.passwordlessFailed
            case .success(let assertion):
                // The counter moves forward atomically: of two answers with one counter, one wins.
                guard try store.recordUse(id: assertion.credential.id, signCount: assertion.verified.newSignCount) else {
                    try audit.refused(.verification(.signCountRegression(stored: assertion.credential.signCount,
                                                                         received: assertion.verified.newSignCount),
                                                    credential: assertion.credential),
                                      userID: assertion.credential.userID, origin: origin)
                    throw PasskeyFailure.passwordlessFailed
                }
                guard let (user, hash) = try UserStore(connection).findWithHash(id: assertion.credential.userID),
                      user.isActive else { throw PasskeyFailure.accountDisabled }
                return (user, hash, assertion.userVerified)
            }
        }
        return try finish(user, passwordHash: hash, method: WebAuthnHandler.methodName, multiFactor: verified,
                          context)
    }

    // MARK: Email link

    static let mailSubject = "Your login link"

    /// The reference's text part, word for word; `link` is the bare token unless a link path is set.
    static func mailBody(link: String) -> String {
        """
        Your login link

        Click the link below to sign in:

        \(link)

        This link will expire shortly. If you did not request this, you can safely ignore this email.

        """
    }

    /// Mails a sign-in token to the active owner of `email`. The answer and the work are the
    /// same for every address; mails per address are limited (further ones are not sent).
    public func sendLink(to email: String, _ context: RequestContext) throws {
        let now = context.clock.now()
        let key = throttles.key(.passwordlessAddress, client: context.request.remoteAddress, userID: nil,
                                address: addresses.digest(email, scope: .passwordlessAddress))
        let rate = throttles.rates[.passwordlessAddress]
        let (found, limited) = try context.db(retry: true) { connection -> ((User, Int64)?, Bool) in
            let limited = try rate.map { try ThrottleWindows(connection).hit(key, rate: $0, now: now) != nil } ?? false
            return (try PasswordlessStore(connection).user(email: email), limited)
        }
        // A token for unknown addresses too, so they cost what known ones do.
        let (user, epoch) = found ?? (User(id: 0, username: "", email: email, firstName: "", lastName: "",
                                            isActive: false), 0)
        let token = links.make(for: .init(userID: user.id, epoch: epoch, lastLoginMicros: user.lastLoginMicros,
                                          email: user.email), issuedAt: now.seconds)
        let body = Self.mailBody(link: link(token))
        guard found != nil, !limited else {
            if limited { context.logger.notice("login link not sent: per-address rate limit") }
            return
        }
        let (validUntil, requestID, origin) = (now.seconds + links.expiry, context.request.requestID, context.origin)
        try context.db { connection in
            try connection.transaction {
                try OutboxStore(connection).enqueueNotice(userID: user.id, recipient: user.email, subject: Self.mailSubject,
                                                          body: body, validUntil: validUntil, requestID: requestID)
                try PasskeyAudit(connection).record("login_link_sent", userID: user.id, method: "email_link", kind: nil,
                                                    origin: origin)
            }
        }
        context.logger.info("login link queued")
    }

    /// FRONTEND_BASE_URL + PASSWORDLESS_EMAIL_LINK_PATH + ?token=, or the bare token.
    func link(_ token: String) -> String {
        guard let base = account.frontendBaseURL, let path = settings.emailLinkPath else { return token }
        let trimmed = path.drop { $0 == "/" }
        return base + "/" + trimmed + (trimmed.contains("?") ? "&" : "?") + "token=" + token
    }

    /// Uses an emailed token: once, within its expiry, for an active user.
    public func verifyLink(_ token: String, _ context: RequestContext) throws -> Outcome {
        let now = context.clock.now().seconds
        guard let parsed = LoginLinkToken.parse(token) else { throw PasskeyFailure.invalidLinkToken }
        let links = self.links
        let (user, hash) = try context.db { connection -> (User, String) in
            let store = PasswordlessStore(connection)
            guard let (user, epoch, hash) = try store.user(id: parsed.userID),
                  links.isValid(token, for: .init(userID: user.id, epoch: epoch, lastLoginMicros: user.lastLoginMicros,
                                                  email: user.email), now: now),
                  try store.consume(userID: user.id, epoch: epoch) else { throw PasskeyFailure.invalidLinkToken }
            guard user.isActive else { throw PasskeyFailure.accountDisabled }
            return (user, hash)
        }
        return try finish(user, passwordHash: hash, method: "email_link", multiFactor: false, context)
    }

    // MARK: Both

    /// A multi-factor sign-in is complete; otherwise a user with an active method passes the
    /// second step (the ephemeral token is bound to the stored password hash, as after login/).
    func finish(_ user: User, passwordHash: String, method: String, multiFactor: Bool,
                _ context: RequestContext) throws -> Outcome {
        if !multiFactor, let (token, second) = try step.begin(user, passwordHash: passwordHash, context) {
            context.logger.info("passwordless sign-in: second step required", metadata: ["method": "\(method)"])
            return .secondStep(token: token, method: second)
        }
        var details = JSONObject()
        details.append("multi_factor", .bool(multiFactor))
        let origin = context.origin
        try context.db {
            try PasskeyAudit($0).record("passwordless_login", userID: user.id, method: method,
                                        kind: method == "email_link" ? nil : WebAuthnHandler.kind, details: details,
                                        origin: origin)
        }
        context.logger.notice("passwordless sign-in", metadata: ["method": "\(method)", "multi_factor": "\(multiFactor)"])
        return .signedIn(user)
    }
}
