import PostgreSQL

/// Method management (API.md §6): the authenticated `mfa/` routes.
///
/// Changes that touch several rows run in one transaction that first locks the user's row, so
/// concurrent requests for one user (on any instance) are serialised and the schema's
/// invariants (one primary, primary ⇒ active) are never what answers a client.
public struct MFAController: Sendable {
    let mfa: MFAService
    let budget: HashBudget

    public init(mfa: MFAService, budget: HashBudget) {
        self.mfa = mfa
        self.budget = budget
    }

    var settings: Settings { mfa.settings }
    static let noSuchMethod = APIError.nonField("Requested MFA method does not exist.")

    // MARK: GET mfa/

    public func list(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let methods = try user.methods ?? context.db(retry: true) {
            try MFAStore($0).methods(userID: user.id).map { User.MethodSummary(name: $0.name, isPrimary: $0.isPrimary, isActive: $0.isActive) }
        }
        let rows: [JSONValue] = mfa.handlers.ordered.map { handler in
            let m = methods.first { $0.name == handler.name }
            var row = JSONObject()
            row.append("name", .string(handler.name))
            row.append("is_primary", .bool(m?.isPrimary ?? false))
            row.append("is_active", .bool(m?.isActive ?? false))
            row.append("is_setup", .bool(m != nil))
            return .object(row)
        }
        return .json(.ok, .array(rows))
    }

    // MARK: POST mfa/

    public func create(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(MethodRequest.self)
        let name = request.method.value
        guard let handler = mfa.handlers.handler(name) else { throw Self.noSuchMethod }
        let alreadyExists = APIError.field("method", "This method is already exists")
        // Cheap check first: a duplicate must not cost the slow hashes below.
        if try context.db(retry: true, { try MFAStore($0).method(userID: user.id, name: name) }) != nil { throw alreadyExists }

        let m = settings.mfa
        let secret = TOTP.newSecret()
        let codes = BackupCodes.generate(count: m.backupCodeCount, length: m.backupCodeLength, alphabet: m.backupCodeAlphabet)
        let salt = BackupCodes.newSalt()
        let scheme: BackupCodes.Scheme = m.backupCodeSecureHash ? .pbkdf2(iterations: settings.passwordHashIterations) : .hmac
        let hash = { codes.map { mfa.backupCodes.hash($0, salt: salt, scheme: scheme) } }
        let hashes = scheme.isSlow ? try budget.run(hashes: codes.count, hash) : hash()
        let sealed = try mfa.secrets.seal(secret, userID: user.id, method: name)
        // The method and its code email commit together (or not at all).
        try context.db { connection in
            try connection.transaction {
                guard let id = try MFAStore(connection).create(userID: user.id, name: name, secret: sealed, backupSalt: salt,
                                                               backupScheme: scheme, backupHashes: hashes) else { throw alreadyExists }
                let method = MFAMethod(id: id, userID: user.id, name: name, secret: sealed, isPrimary: false, isActive: false,
                                       backupSalt: salt, backupScheme: scheme, lastUsedStep: -1)
                try AuditTrail(connection).record(.created, method: method, origin: context.origin)
                try mfa.queueCode(for: method, to: user, context: context, on: connection)
            }
        }
        context.logger.notice("mfa method created", metadata: ["method": "\(name)"])
        var body = JSONObject()
        body.append("method", .string(name))
        body.append("backup_codes", .array(codes.map { .string($0) }))
        body.append("setup_data", handler.setupData(user: user, secret: secret))
        return .json(.created, body)
    }

    // MARK: POST mfa/confirm/

    public func confirm(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(MethodCodeRequest.self)
        try changeWithCode(request, context, event: .confirmed, requireActive: false,
                           invalid: APIError.nonField("Invalid verification code")) { store, method in
            try store.activate(userID: method.userID, methodID: method.id)
        }
        context.logger.notice("mfa method activated", metadata: ["method": "\(request.method)"])
        return .json(.ok, ["detail": "Activated MFA method"])
    }

    // MARK: POST mfa/deactivate/

    public func deactivate(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(MethodCodeRequest.self)
        try changeWithCode(request, context, event: .deactivated, requireActive: true, invalid: APIError.nonField("Invalid OTP code"),
                           policy: { try checkRemovalPolicy($0, verb: "deactivate") }) { store, method in
            try store.deactivate(methodID: method.id)
            try store.promote(userID: method.userID)
        }
        context.logger.notice("mfa method deactivated", metadata: ["method": "\(request.method)"])
        return .json(.ok, ["detail": "Deactivated MFA method"])
    }

    /// confirm/ and deactivate/: the method must be inactive (confirm) or active (deactivate),
    /// pass `policy`, and `code` must be a TOTP code of it (never a backup code). The code is
    /// checked before the transaction and consumed inside it, after the state is re-read.
    private func changeWithCode(_ request: MethodCodeRequest, _ context: RequestContext, event: MFAEvent, requireActive: Bool, invalid: APIError,
                                policy: (MFAMethod) throws -> Void = { _ in },
                                apply: (MFAStore, MFAMethod) throws -> Void) throws {
        let user = try context.requireUser()
        guard let method = try existingMethod(request.method.value, user, context), method.isActive == requireActive else {
            throw Self.noSuchMethod
        }
        try policy(method)
        try mfa.checkAttemptAllowed(method, now: context.clock.now().seconds)
        let evidence = try mfa.evidence(request.code, for: method, allowBackup: false, now: context.clock.now().seconds)
        let accepted = try evidence != .none && change(user, context) { store in
            guard let current = try store.method(userID: user.id, name: method.name), current.id == method.id,
                  current.isActive == requireActive else { throw Self.noSuchMethod }
            try policy(current)
            guard try mfa.redeem(evidence, method: current, store: store, origin: context.origin) else { return false }
            try apply(store, current)
            try store.trail.record(event, method: current, kind: .totp, origin: context.origin)
            return true
        }
        try mfa.record(success: accepted, for: method, context, kind: .totp)
        guard accepted else { throw invalid }
    }

    // MARK: POST mfa/primary/

    public func primary(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(MFAPrimaryRequest.self)
        let invalid = APIError.nonField("Invalid primary method code")
        let methods = try context.db(retry: true) { try MFAStore($0).methods(userID: user.id) }
        guard let target = methods.first(where: { $0.name == request.method.value }), target.isActive,
              mfa.handlers.handler(target.name) != nil else { throw Self.noSuchMethod }
        var proof: (MFAMethod, MFAService.Evidence)?
        if let code = request.primaryCode {
            guard let current = methods.first(where: { $0.isPrimary }) else { throw Self.noSuchMethod }
            try mfa.checkAttemptAllowed(current, now: context.clock.now().seconds)
            let evidence = try mfa.evidence(code, for: current, allowBackup: true, now: context.clock.now().seconds)
            guard evidence != .none else {
                try mfa.record(success: false, for: current, context, kind: mfa.kind(of: code, evidence: evidence, allowBackup: true))
                throw invalid
            }
            proof = (current, evidence)
        }
        let accepted = try change(user, context) { store -> Bool in
            guard let now = try store.method(userID: user.id, name: target.name), now.id == target.id, now.isActive else {
                throw Self.noSuchMethod
            }
            if let (primary, evidence) = proof {
                let current = try store.methods(userID: user.id).first { $0.isPrimary }
                guard let current, current.id == primary.id,
                      try mfa.redeem(evidence, method: current, store: store, origin: context.origin) else { return false }
            }
            try store.makePrimary(userID: user.id, methodID: target.id)
            try store.trail.record(.primaryChanged, method: now, kind: proof.map { mfa.kind(of: "", evidence: $0.1, allowBackup: true) },
                                   origin: context.origin)
            return true
        }
        if let (primary, evidence) = proof {
            try mfa.record(success: accepted, for: primary, context, kind: mfa.kind(of: "", evidence: evidence, allowBackup: true))
        }
        guard accepted else { throw invalid }
        context.logger.notice("mfa primary method changed", metadata: ["method": "\(target.name)"])
        return .json(.ok, ["detail": "Updated primary MFA method"])
    }

    // MARK: POST mfa/send/

    public func send(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(MethodRequest.self)
        guard let method = try existingMethod(request.method.value, user, context) else { throw Self.noSuchMethod }
        try mfa.queueCode(for: method, to: user, context: context)
        return .json(.ok, ["detail": "MFA code sent"])
    }

    // MARK: POST mfa/delete/

    public func delete(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(MFADeleteRequest.self)
        let missing = APIError.nonField("Method does not exist")
        let invalid = APIError.nonField("Invalid OTP code")
        guard let method = try existingMethod(request.method.value, user, context) else { throw missing }
        try checkRemovalPolicy(method, verb: "delete")
        var evidence: MFAService.Evidence?
        if settings.mfa.deleteActiveRequiresCode && method.isActive {
            // The reference crashes on a missing code here; it is an ordinary field error.
            guard let code = request.code else { throw APIError.field("code", FieldRules.required) }
            try mfa.checkAttemptAllowed(method, now: context.clock.now().seconds)
            let e = try mfa.evidence(code.value, for: method, allowBackup: true, now: context.clock.now().seconds)
            guard e != .none else {
                try mfa.record(success: false, for: method, context, kind: mfa.kind(of: code.value, evidence: e, allowBackup: true))
                throw invalid
            }
            evidence = e
        }
        let accepted = try change(user, context) { store -> Bool in
            guard let current = try store.method(userID: user.id, name: method.name), current.id == method.id else { throw missing }
            try checkRemovalPolicy(current, verb: "delete")
            var kind: CodeKind?
            if current.isActive && settings.mfa.deleteActiveRequiresCode {
                guard let evidence, try mfa.redeem(evidence, method: current, store: store, origin: context.origin) else {
                    return false
                }
                kind = mfa.kind(of: "", evidence: evidence, allowBackup: true)
            }
            try store.delete(methodID: current.id)
            try store.promote(userID: user.id)
            try store.trail.record(.deleted, method: current, kind: kind, origin: context.origin)
            return true
        }
        if let evidence {
            try mfa.record(success: accepted, for: method, context, kind: mfa.kind(of: "", evidence: evidence, allowBackup: true))
        }
        guard accepted else { throw invalid }
        context.logger.notice("mfa method deleted", metadata: ["method": "\(method.name)"])
        return HTTPResponse(status: .noContent, contentType: nil)
    }

    // MARK: POST mfa/challenge/

    public func challenge(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(MethodRequest.self)
        let method = try mfa.activeMethod(request.method.value, of: user, context)
        return .json(.ok, mfa.handlers.handler(method.name)?.challenge(user: user) ?? .object(JSONObject()))
    }

    // MARK: - Helpers

    private func existingMethod(_ name: String, _ user: User, _ context: RequestContext) throws -> MFAMethod? {
        guard mfa.handlers.handler(name) != nil else { return nil }
        return try context.db(retry: true) { try MFAStore($0).method(userID: user.id, name: name) }
    }

    /// MFA_PREVENT_DELETE_ACTIVE_METHOD, then MFA_PREVENT_DELETE_PRIMARY_METHOD (API.md §9).
    private func checkRemovalPolicy(_ method: MFAMethod, verb: String) throws {
        if settings.mfa.preventDeleteActive && method.isActive { throw APIError.nonField("Cannot \(verb) active MFA method") }
        if settings.mfa.preventDeletePrimary && method.isPrimary { throw APIError.nonField("Cannot \(verb) primary MFA method") }
    }

    /// One transaction, with the user's row locked first.
    private func change<T>(_ user: User, _ context: RequestContext, _ body: (MFAStore) throws -> T) throws -> T {
        try context.db { connection in
            try connection.transaction {
                let store = MFAStore(connection)
                try store.lockUser(user.id)
                return try body(store)
            }
        }
    }
}
