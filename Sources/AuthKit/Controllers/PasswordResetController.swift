/// POST password/reset/ and password/reset/confirm/ (issue 14).
///
/// A request never tells whether an address has an account: the same 200 for every address,
/// with the same work (a token and a mail text are made for unknown addresses too; only real
/// ones are queued). Mails are counted per address (a keyed digest, never the address) and go
/// out through the outbox; links and the site name come from the settings, never from Host.
/// A confirm sets the password and — unlike the reference — ends every session of the user.
public struct PasswordResetController: Sendable {
    let account: AccountSettings
    let throttles: ThrottleSettings
    let tokens: PasswordResetToken
    /// Where an address is rate-limited (a keyed digest: no address in the throttle table).
    let addresses: AddressDigest
    let iterations: Int
    let lanes: HashLanes
    let rules: NewPasswordRules
    let notices: SecurityNotices

    public init(settings: Settings, lanes: HashLanes, rules: NewPasswordRules, notices: SecurityNotices) {
        self.rules = rules
        self.notices = notices
        account = settings.account
        throttles = settings.throttles
        tokens = PasswordResetToken(secretKey: settings.tokens.secretKey, timeout: settings.account.passwordResetTimeout)
        addresses = AddressDigest(secretKey: settings.tokens.secretKey)
        iterations = settings.hashing.passwordIterations
        self.lanes = lanes
    }

    static let sent = JSONValue.object(["detail": "Password reset e-mail has been sent."])
    static let invalidValue = "Invalid value"

    public func request(_ context: inout RequestContext) throws -> HTTPResponse {
        let address = try context.decode(PasswordResetRequest.self).email.value
        guard account.frontendBaseURL != nil else {
            context.logger.error("password reset mail not sent: AUTHKIT_FRONTEND_BASE_URL is not set")
            return .json(.ok, Self.sent)
        }
        let now = context.clock.now()
        let digest = addresses.digest(address, scope: .passwordResetAddress)
        let key = throttles.key(.passwordResetAddress, client: context.request.remoteAddress, userID: nil, address: digest)
        let rate = throttles.rates[.passwordResetAddress]
        let (users, limited) = try context.db(retry: true) { connection -> ([(User, String)], Bool) in
            // Counted for every address, known or not: the same statements either way.
            let limited = try rate.map { try ThrottleWindows(connection).hit(key, rate: $0, now: now) != nil } ?? false
            return (try UserStore(connection).findActive(email: address), limited)
        }
        // A stand-in for unknown addresses, so they cost what known ones do.
        let subjects = users.isEmpty
            ? [(User(id: 0, username: "", email: address, firstName: "", lastName: "", isActive: false), "!")]
            : users
        let mails = subjects.map { user, hash in
            let token = tokens.make(for: .init(id: user.id, passwordHash: hash, lastLoginMicros: user.lastLoginMicros,
                                               email: user.email), now: now)
            let link = account.passwordResetLink(uid: PasswordResetToken.uid(user.id), token: token) ?? ""
            return (user, PasswordResetMail.body(site: account.siteName, link: link, username: user.username))
        }
        if limited {
            context.logger.notice("password reset mail not sent: per-address rate limit")
        } else if !users.isEmpty {
            let subject = PasswordResetMail.subject(site: account.siteName)
            let validUntil = now.seconds + account.passwordResetTimeout
            let requestID = context.request.requestID
            try context.db { connection in
                try connection.transaction {
                    for (user, body) in mails {
                        try OutboxStore(connection).enqueueNotice(userID: user.id, recipient: user.email, subject: subject,
                                                                  body: body, validUntil: validUntil, requestID: requestID)
                    }
                }
            }
        }
        context.logger.info("password reset requested")
        return .json(.ok, Self.sent)
    }

    /// The reference's order: field checks, then uid, token, the two passwords, validators;
    /// only the first failing step is reported.
    public func confirm(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(PasswordResetConfirmRequest.self)
        let now = context.clock.now()
        // An inactive account gets no mail; an older link does not work for it either.
        guard let id = PasswordResetToken.userID(fromUID: request.uid),
              let (user, hash) = try context.db(retry: true, { try UserStore($0).findWithHash(id: id) }),
              user.isActive else {
            throw APIError.field("uid", Self.invalidValue)
        }
        let subject = PasswordResetToken.Subject(id: user.id, passwordHash: hash, lastLoginMicros: user.lastLoginMicros,
                                                 email: user.email)
        guard tokens.check(request.token, for: subject, now: now) else {
            context.logger.info("password reset refused: invalid token")
            throw APIError.field("token", Self.invalidValue)
        }
        guard request.newPassword1.value == request.newPassword2.value else {
            throw APIError.field("new_password2", PasswordChangeController.mismatch)
        }
        try rules.check(request.newPassword2.value, for: user)
        let newHash = try lanes.budget(for: context.attemptLane(for: user)).run {
            DjangoPassword.make(request.newPassword1.value, iterations: iterations)
        }
        // Only while the hash is the one the token was checked against: a token works once,
        // even when two confirms race.
        let (notices, requestID) = (self.notices, context.request.requestID)
        let changed = try context.db { connection in
            try connection.transaction {
                guard try UserStore(connection).changePassword(id: user.id, hash: newHash, now: now.seconds,
                                                               expectedHash: hash) else { return false }
                try notices.queue(.passwordChanged, to: user, outbox: OutboxStore(connection), now: now, requestID: requestID)
                return true
            }
        }
        guard changed else { throw APIError.field("token", Self.invalidValue) }
        context.logger.notice("password reset; sessions revoked", metadata: ["user_id": "\(user.id)"])
        return .json(.ok, ["detail": "Password has been reset with the new password."])
    }
}
