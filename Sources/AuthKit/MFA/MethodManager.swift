import PostgreSQL

/// Method management (docs/api.md §6): what the authenticated `mfa/` routes do, as domain
/// operations that return values or throw `MFAFailure`.
///
/// Changes that touch several rows run in one transaction that first locks the user's row, so
/// concurrent requests for one user (on any instance) are serialised and the schema's
/// invariants (one primary, primary ⇒ active) are never what answers a client.
public struct MethodManager: Sendable {
    let mfa: MFAService

    public init(mfa: MFAService) {
        self.mfa = mfa
    }

    var settings: MFASettings { mfa.settings.mfa }
    var handlers: MFAHandlers { mfa.handlers }

    /// Every configured handler with the user's state of it, in AUTHKIT_MFA_HANDLERS order.
    public func list(_ user: User, _ context: RequestContext) throws -> [(name: String, method: User.MethodSummary?)] {
        let methods = try user.methods ?? context.db(retry: true) {
            try MFAStore($0).methods(userID: user.id).map {
                User.MethodSummary(name: $0.name, isPrimary: $0.isPrimary, isActive: $0.isActive)
            }
        }
        return handlers.ordered.map { handler in (handler.name, methods.first { $0.name == handler.name }) }
    }

    /// POST mfa/: a new, inactive method; its backup codes (shown once) and `setup_data`.
    public func create(_ name: String, for user: User,
                       _ context: RequestContext) throws -> (codes: [String], setupData: JSONValue) {
        guard let handler = handlers.handler(name) else { throw MFAFailure.noSuchMethod }
        // Cheap check first: a duplicate must not cost the hashes below.
        if try mfa.existingMethod(name, of: user, context) != nil { throw MFAFailure.alreadyExists }
        let set = try mfa.newBackupCodes()
        let scheme = mfa.backupCodes.scheme
        // The method, its audit row and its first challenge commit together (or not at all).
        let enrolment = try context.db { connection in
            try connection.transaction {
                let enrolment = try handler.enrol(user: user, context: mfa.challengeContext(context, on: connection))
                let sealed = try mfa.secrets.seal(enrolment.secret, userID: user.id, method: name)
                guard let id = try MFAStore(connection).create(userID: user.id, name: name, secret: sealed,
                                                               backupSalt: set.salt, backupScheme: scheme,
                                                               backupHashes: set.hashes) else {
                    throw MFAFailure.alreadyExists
                }
                let method = MFAMethod(id: id, userID: user.id, name: name, secret: sealed, isPrimary: false,
                                       isActive: false, backupSalt: set.salt, backupScheme: scheme, lastUsedStep: -1,
                                       backupCodesRemaining: set.codes.count)
                try AuditTrail(connection).record(.created, method: method, origin: context.origin)
                try mfa.challenge(method, user: user, reason: .enrolment, context: context, on: connection)
                return enrolment
            }
        }
        context.logger.notice("mfa method created", metadata: ["method": "\(name)"])
        return (set.codes, enrolment.setupData)
    }

    /// POST mfa/confirm/: activates an inactive method with one of its codes (never a backup code).
    public func confirm(_ name: String, code: String, for user: User, _ context: RequestContext) throws {
        try changeWithCode(name, code: code, user, context, action: .confirm, event: .confirmed, notice: .methodActivated,
                           requireActive: false) { store, method in
            try store.activate(userID: method.userID, methodID: method.id)
        }
        context.logger.notice("mfa method activated", metadata: ["method": "\(name)"])
    }

    /// POST mfa/deactivate/: deactivates an active method with one of its codes.
    public func deactivate(_ name: String, code: String, for user: User, _ context: RequestContext) throws {
        try changeWithCode(name, code: code, user, context, action: .deactivate, event: .deactivated,
                           notice: .methodDeactivated, requireActive: true,
                           policy: { try checkRemovalPolicy($0, verb: "deactivate") }) { store, method in
            try store.deactivate(methodID: method.id)
            try store.promote(userID: method.userID)
        }
        context.logger.notice("mfa method deactivated", metadata: ["method": "\(name)"])
    }

    /// confirm/ and deactivate/: the method must be inactive (confirm) or active (deactivate)
    /// and pass `policy`; the code is checked by the pipeline, consumed in the transaction
    /// after the state is re-read.
    private func changeWithCode(_ name: String, code: String, _ user: User, _ context: RequestContext,
                                action: CodeAction, event: MFAEvent, notice: SecurityNotice, requireActive: Bool,
                                policy: @escaping (MFAMethod) throws -> Void = { _ in },
                                apply: @escaping (MFAStore, MFAMethod) throws -> Void) throws {
        guard let method = try mfa.existingMethod(name, of: user, context), method.isActive == requireActive else {
            throw MFAFailure.noSuchMethod
        }
        try policy(method)
        try mfa.verifier.verify(code, on: method, of: user, action: action, allowBackup: false, context: context,
                                consume: .transaction(userID: user.id) { store, kind, redeem in
            guard let current = try store.method(userID: user.id, name: method.name), current.id == method.id,
                  current.isActive == requireActive else { throw MFAFailure.noSuchMethod }
            try policy(current)
            guard try redeem(current) else { return false }
            try apply(store, current)
            try store.trail.record(event, method: current, kind: kind, origin: context.origin)
            try notify(notice, user, method: current.name, store, context)
            return true
        })
    }

    /// POST mfa/primary/: makes an active method primary; with `primaryCode` (required by
    /// MFA_UPDATE_PRIMARY_METHOD_REQUIRED_PRIMARY_CODE) a code of the current primary.
    public func makePrimary(_ name: String, primaryCode: String?, for user: User, _ context: RequestContext) throws {
        let methods = try context.db(retry: true) { try MFAStore($0).methods(userID: user.id) }
        guard let target = methods.first(where: { $0.name == name }), target.isActive,
              handlers.handler(target.name) != nil else {
            throw MFAFailure.noSuchMethod
        }
        let change = { (store: MFAStore, kind: String?) throws -> Void in
            guard let now = try store.method(userID: user.id, name: target.name), now.id == target.id,
                  now.isActive else {
                throw MFAFailure.noSuchMethod
            }
            try store.makePrimary(userID: user.id, methodID: target.id)
            try store.trail.record(.primaryChanged, method: now, kind: kind, origin: context.origin)
            try notify(.primaryChanged, user, method: now.name, store, context)
        }
        if let primaryCode {
            guard let current = methods.first(where: { $0.isPrimary }) else { throw MFAFailure.noSuchMethod }
            try mfa.verifier.verify(primaryCode, on: current, of: user, action: .primary, allowBackup: true,
                                    context: context, consume: .transaction(userID: user.id) { store, kind, redeem in
                let primary = try store.methods(userID: user.id).first { $0.isPrimary }
                guard let primary, primary.id == current.id, try redeem(primary) else { return false }
                try change(store, kind)
                return true
            })
        } else {
            try transaction(user, context) { try change($0, nil) }
        }
        context.logger.notice("mfa primary method changed", metadata: ["method": "\(target.name)"])
    }

    /// POST mfa/send/: a new code for a code-sending method (429 inside the send cooldown).
    public func send(_ name: String, for user: User, _ context: RequestContext) throws {
        guard let method = try mfa.existingMethod(name, of: user, context) else { throw MFAFailure.noSuchMethod }
        try mfa.challenge(method, user: user, reason: .resend, context: context)
    }

    /// POST mfa/delete/: an active method needs one of its codes (or a backup code) with
    /// MFA_DELETE_ACTIVE_METHOD_REQUIRE_CODE.
    public func delete(_ name: String, code: String?, for user: User, _ context: RequestContext) throws {
        guard let method = try mfa.existingMethod(name, of: user, context) else { throw MFAFailure.methodDoesNotExist }
        try checkRemovalPolicy(method, verb: "delete")
        let requiresCode = settings.deleteActiveRequiresCode
        let remove = { (store: MFAStore, current: MFAMethod, kind: String?) throws -> Void in
            try store.delete(methodID: current.id)
            try store.promote(userID: user.id)
            try store.trail.record(.deleted, method: current, kind: kind, origin: context.origin)
            try notify(.methodDeleted, user, method: current.name, store, context)
        }
        /// The state re-read under the user's lock: still the same method, still removable.
        let reread = { (store: MFAStore) throws -> MFAMethod in
            guard let current = try store.method(userID: user.id, name: method.name), current.id == method.id else {
                throw MFAFailure.methodDoesNotExist
            }
            try checkRemovalPolicy(current, verb: "delete")
            return current
        }
        if requiresCode && method.isActive {
            guard let code else { throw MFAFailure.codeRequired }
            try mfa.verifier.verify(code, on: method, of: user, action: .delete, allowBackup: true, context: context,
                                    consume: .transaction(userID: user.id) { store, kind, redeem in
                let current = try reread(store)
                if current.isActive { guard try redeem(current) else { return false } }
                try remove(store, current, current.isActive ? kind : nil)
                return true
            })
        } else {
            try transaction(user, context) { store in
                let current = try reread(store)
                // Activated meanwhile: the code is required after all.
                if requiresCode && current.isActive { throw MFAFailure.codeRequired }
                try remove(store, current, nil)
            }
        }
        context.logger.notice("mfa method deleted", metadata: ["method": "\(method.name)"])
    }

    /// POST mfa/challenge/: the handler's challenge options for an active method.
    public func challengeOptions(_ name: String, for user: User, _ context: RequestContext) throws -> JSONValue {
        try mfa.challengeOptions(try mfa.activeMethod(name, of: user, context), user: user, context: context)
    }

    /// GET mfa/backup-codes/: how many backup codes of the method are left (never the codes).
    public func backupCodesRemaining(_ name: String, for user: User, _ context: RequestContext) throws -> Int {
        guard let method = try mfa.existingMethod(name, of: user, context) else { throw MFAFailure.noSuchMethod }
        return method.backupCodesRemaining
    }

    /// POST mfa/backup-codes/regenerate/: a new set for an active method, authorised by a code
    /// of it (or one of its backup codes); the old set is void at once.
    public func regenerateBackupCodes(_ name: String, code: String, for user: User,
                                      _ context: RequestContext) throws -> [String] {
        let method = try mfa.activeMethod(name, of: user, context)
        let set = try mfa.newBackupCodes()
        let scheme = mfa.backupCodes.scheme
        try mfa.verifier.verify(code, on: method, of: user, action: .regenerate, allowBackup: true, context: context,
                                consume: .transaction(userID: user.id) { store, _, redeem in
            guard let current = try store.method(userID: user.id, name: name), current.id == method.id,
                  current.isActive else {
                throw MFAFailure.noSuchMethod
            }
            guard try redeem(current) else { return false }
            try store.replaceBackupCodes(methodID: current.id, salt: set.salt, scheme: scheme, hashes: set.hashes)
            try store.trail.record(.backupCodesRegenerated, method: current,
                                   details: "{\"backup_codes_remaining\": \(set.codes.count)}",
                                   origin: context.origin)
            try notify(.backupCodesRegenerated, user, method: current.name, store, context)
            return true
        })
        context.logger.notice("backup codes regenerated", metadata: ["method": "\(name)"])
        return set.codes
    }

    /// The owner's notice of a change, queued in the change's transaction.
    private func notify(_ notice: SecurityNotice, _ user: User, method: String, _ store: MFAStore,
                        _ context: RequestContext) throws {
        try mfa.notices.queue(notice, to: user, method: method, outbox: store.outbox, now: context.clock.now(),
                              requestID: context.request.requestID)
    }

    /// MFA_PREVENT_DELETE_ACTIVE_METHOD, then MFA_PREVENT_DELETE_PRIMARY_METHOD (docs/api.md §9).
    private func checkRemovalPolicy(_ method: MFAMethod, verb: String) throws {
        if settings.preventDeleteActive && method.isActive { throw MFAFailure.cannotRemove(verb: verb, primary: false) }
        if settings.preventDeletePrimary && method.isPrimary {
            throw MFAFailure.cannotRemove(verb: verb, primary: true)
        }
    }

    /// One transaction, with the user's row locked first.
    private func transaction<T>(_ user: User, _ context: RequestContext, _ body: (MFAStore) throws -> T) throws -> T {
        try context.db { connection in
            try connection.transaction {
                let store = MFAStore(connection)
                try store.lockUser(user.id)
                return try body(store)
            }
        }
    }
}
