/// POST registration/, registration/verify-email/ and registration/resend-email/ (issue 14).
///
/// Sign-up reports what the reference reports, in its order: every field's own rules, a taken
/// username or address (both compared case-insensitively), the password policy under
/// `password1`, and only then a mismatch of the two passwords. The account starts with an
/// unconfirmed address (login is allowed anyway, allauth's "optional" verification) and a
/// confirmation mail goes out through the outbox, its link and site name from the settings,
/// never from Host. Keys are signed, not stored (`EmailConfirmationKey`).
public struct RegistrationController: Sendable {
    let account: AccountSettings
    let throttles: ThrottleSettings
    let keys: EmailConfirmationKey
    /// Where an address is rate-limited (a keyed digest: no address in the throttle table).
    let addresses: AddressDigest
    let iterations: Int
    let lanes: HashLanes
    let rules: NewPasswordRules

    public init(settings: Settings, lanes: HashLanes, rules: NewPasswordRules) {
        account = settings.account
        throttles = settings.throttles
        keys = EmailConfirmationKey(secretKey: settings.tokens.secretKey,
                                    expireDays: settings.account.emailConfirmationExpireDays)
        addresses = AddressDigest(secretKey: settings.tokens.secretKey)
        iterations = settings.hashing.passwordIterations
        self.lanes = lanes
        self.rules = rules
    }

    static let registered = JSONValue.object(["detail": "Successfully registered."])
    static let ok = JSONValue.object(["detail": "ok"])
    static let usernameTaken = "A user with that username already exists."
    static let emailTaken = "A user is already registered with this e-mail address."
    static let mismatch = "The two password fields didn't match."
    /// Django's username field: the first failing validator of the model's (pattern, then
    /// length), as allauth's `clean_username` runs them.
    static func usernameRule(_ name: String) -> String? {
        if let problem = FieldRules.username(name) { return problem }
        let length = name.unicodeScalars.count
        return length > 150 ? "Ensure this value has at most 150 characters (it has \(length))." : nil
    }

    public func register(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(RegisterRequest.self)
        var username = FieldRules.string(request.username.raw, validators: [{ Self.usernameRule($0) }])
        var email = EmailField.parse(request.email.raw, context: context.fieldContext).map(\.value)
        var password1 = FieldRules.string(request.password1.raw)
        let password2 = FieldRules.string(request.password2.raw)
        let firstName = request.firstName.raw.map { FieldRules.string($0, allowBlank: true) }
        let lastName = request.lastName.raw.map { FieldRules.string($0, allowBlank: true) }

        if case .success(let password) = password1 {
            let problems = rules.registrationProblems(password)
            if !problems.isEmpty { password1 = .failure(FieldFailure(problems)) }
        }
        let name = try? username.get(), address = (try? email.get())?.lowercased()
        if name != nil || address != nil {
            let taken = try context.db(retry: true) {
                try UserStore($0).registrationConflicts(username: name ?? "", email: address ?? "")
            }
            if taken.username { username = .failure([Self.usernameTaken]) }
            if taken.email { email = .failure([Self.emailTaken]) }
        }
        var errors = FieldErrors()
        for (field, result) in [("username", username), ("email", email), ("password1", password1),
                                ("password2", password2), ("first_name", firstName ?? .success("")),
                                ("last_name", lastName ?? .success(""))] {
            if case .failure(let failure) = result { errors.add(field, failure.messages) }
        }
        guard errors.isEmpty, let name, let address, case .success(let password) = password1,
              case .success(let again) = password2,
              case .success(let first) = firstName ?? .success(""), case .success(let last) = lastName ?? .success("")
        else { throw APIError.fields(errors) }
        guard password == again else { throw APIError.nonField(Self.mismatch) }

        let hash = try lanes.budget(for: .untrusted).run { DjangoPassword.make(password, iterations: iterations) }
        let now = context.clock.now()
        // The column holds at most 254 characters, as Django's; the mail goes to the address as given.
        let stored = String(String.UnicodeScalarView(address.unicodeScalars.prefix(254)))
        let (keys, account, requestID) = (self.keys, self.account, context.request.requestID)
        let created = try context.db { connection in
            try connection.transaction { () -> Int64? in
                guard let id = try UserStore(connection).register(
                    username: name, email: stored, passwordHash: hash,
                    firstName: Self.cut(first), lastName: Self.cut(last)) else { return nil }
                if let link = account.emailConfirmationLink(key: keys.make(id: id, now: now)) {
                    try OutboxStore(connection).enqueueNotice(
                        userID: id, recipient: address, subject: EmailConfirmationMail.subject(site: account.siteName),
                        body: EmailConfirmationMail.body(site: account.siteName, link: link, username: name),
                        validUntil: now.seconds + max(keys.maxAge, 3600), requestID: requestID)
                }
                return id
            }
        }
        guard let id = created else {
            // Taken between the check and the insert: the answer the check would have given.
            let taken = try context.db { try UserStore($0).registrationConflicts(username: name, email: address) }
            var errors = FieldErrors()
            if taken.username || !taken.email { errors.add("username", [Self.usernameTaken]) }
            if taken.email { errors.add("email", [Self.emailTaken]) }
            throw APIError.fields(errors)
        }
        if account.frontendBaseURL == nil {
            context.logger.error("confirmation mail not sent: AUTHKIT_FRONTEND_BASE_URL is not set")
        }
        context.logger.notice("user registered", metadata: ["user_id": "\(id)"])
        return .json(.created, Self.registered)
    }

    /// A name cut to the column's 150 characters, as the reference stores a longer one.
    static func cut(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(150)))
    }

    /// Every failure (bad, tampered, expired, unknown user, already confirmed) is the same 404.
    public func verify(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(VerifyEmailRequest.self)
        guard let id = keys.userID(from: request.key, now: context.clock.now()) else {
            context.logger.info("email confirmation refused: invalid or expired key")
            throw APIError.notFound
        }
        guard try context.db({ try UserStore($0).verifyEmail(id: id) }) else {
            context.logger.info("email confirmation refused: no unconfirmed address", metadata: ["user_id": "\(id)"])
            throw APIError.notFound
        }
        context.logger.notice("email confirmed", metadata: ["user_id": "\(id)"])
        return .json(.ok, Self.ok)
    }

    /// The reference documents a GET that always answers 405 (and lists GET and HEAD in Allow).
    public func verifyGet(_ context: inout RequestContext) throws -> HTTPResponse {
        throw APIError.methodNotAllowed(context.request.method)
    }

    /// Always the same 200: a mail only for an unconfirmed account with exactly this address,
    /// and at most `registration_address` of them per address.
    public func resend(_ context: inout RequestContext) throws -> HTTPResponse {
        let address = try context.decode(ResendEmailVerificationRequest.self).email.value
        guard account.frontendBaseURL != nil else {
            context.logger.error("confirmation mail not sent: AUTHKIT_FRONTEND_BASE_URL is not set")
            return .json(.ok, Self.ok)
        }
        let now = context.clock.now()
        let digest = addresses.digest(address, scope: .registrationAddress)
        let key = throttles.key(.registrationAddress, client: context.request.remoteAddress, userID: nil,
                                address: digest)
        let rate = throttles.rates[.registrationAddress]
        let (users, limited) = try context.db(retry: true) { connection -> ([User], Bool) in
            // Counted for every address, known or not: the same statements either way.
            let limited = try rate.map { try ThrottleWindows(connection).hit(key, rate: $0, now: now) != nil } ?? false
            return (try UserStore(connection).findUnverified(email: address), limited)
        }
        // A stand-in for unknown addresses, so they cost what known ones do.
        let subjects = users.isEmpty
            ? [User(id: 0, username: "", email: address, firstName: "", lastName: "", isActive: false)] : users
        let mails = subjects.map { user in
            let link = account.emailConfirmationLink(key: keys.make(id: user.id, now: now)) ?? ""
            return (user, EmailConfirmationMail.body(site: account.siteName, link: link, username: user.username))
        }
        if limited {
            context.logger.notice("confirmation mail not sent: per-address rate limit")
        } else if !users.isEmpty {
            let subject = EmailConfirmationMail.subject(site: account.siteName)
            let validUntil = now.seconds + max(keys.maxAge, 3600)
            let requestID = context.request.requestID
            try context.db { connection in
                try connection.transaction {
                    for (user, body) in mails {
                        try OutboxStore(connection).enqueueNotice(
                            userID: user.id, recipient: user.email, subject: subject, body: body,
                            validUntil: validUntil, requestID: requestID)
                    }
                }
            }
        }
        context.logger.info("email confirmation resend requested")
        return .json(.ok, Self.ok)
    }
}
