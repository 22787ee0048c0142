import PostgreSQL

/// The webauthn/credentials/ routes as domain operations: a user's keys, registering one more,
/// renaming and deleting (never the last while passkeys are the primary, active factor).
public struct PasskeyManager: Sendable {
    let ceremonies: PasskeyCeremonies

    public init(settings: WebAuthnSettings) { ceremonies = PasskeyCeremonies(settings: settings) }

    public func list(_ user: User, _ context: RequestContext) throws -> [WebAuthnStore.Credential] {
        try context.db(retry: true) { try WebAuthnStore($0).credentials(userID: user.id) }
    }

    /// New creation options; they replace any registration challenge the user had.
    public func registerOptions(_ user: User, _ context: RequestContext) throws -> JSONValue {
        let now = context.clock.now().seconds
        return try context.db { try ceremonies.creationOptions(for: user, store: WebAuthnStore($0), now: now) }
    }

    /// Verifies `credential` (an object, or its JSON text) against the user's registration
    /// challenge — taken whatever the outcome — and stores the key as `name`.
    public func add(_ credential: JSONValue, name: String?, for user: User,
                    _ context: RequestContext) throws -> WebAuthnStore.Credential {
        let now = context.clock.now().seconds
        let (ceremonies, origin) = (self.ceremonies, context.origin)
        let outcome = try context.db { connection -> Result<WebAuthnStore.Credential, WebAuthnRefusal> in
            let store = WebAuthnStore(connection)
            guard let document = PublicKeyCredentialJSON.document(credential) else {
                // Still the user's attempt: the challenge goes, as in the reference.
                _ = try store.takeRegistration(userID: user.id, now: now)
                return .failure(.verification(.malformedCredential("not JSON")))
            }
            switch try ceremonies.verifyRegistration(document, userID: user.id, store: store, now: now) {
            case .failure(let refusal):
                try PasskeyAudit(connection).refused(refusal, userID: user.id, origin: origin)
                return .failure(refusal)
            case .success(let registration):
                let keyName = name ?? PasskeyCeremonies.defaultName
                guard let stored = try store.insert(registration.verified, userID: user.id,
                                                    transports: registration.transports, name: keyName) else {
                    return .failure(.duplicate)
                }
                try PasskeyAudit(connection).record("passkey_added", userID: user.id,
                                                    details: ["credential": .number(JSONNumber(Int(stored.id)))],
                                                    origin: origin)
                return .success(stored)
            }
        }
        switch outcome {
        case .success(let stored):
            context.logger.notice("passkey added")
            return stored
        case .failure(let refusal):
            context.logger.info("passkey registration refused", metadata: ["reason": "\(refusal.reason)"])
            throw PasskeyFailure.registrationRefused(
                refusal.referenceMessage(expectedOrigin: ceremonies.settings.origins.first ?? ""))
        }
    }

    public func rename(_ id: String, to name: String, for user: User, _ context: RequestContext) throws {
        let id = try Self.number(id)
        let renamed = try context.db { connection in
            try connection.transaction {
                guard try WebAuthnStore(connection).rename(id: id, userID: user.id, name: name) else { return false }
                try PasskeyAudit(connection).record("passkey_renamed", userID: user.id,
                                                    details: ["credential": .number(JSONNumber(Int(id)))],
                                                    origin: context.origin)
                return true
            }
        }
        guard renamed else { throw PasskeyFailure.credentialNotFound }
    }

    public func delete(_ id: String, for user: User, _ context: RequestContext) throws {
        let id = try Self.number(id)
        let outcome = try context.db { connection in
            try connection.transaction {
                // Serialised with method changes and other deletes of this user's keys.
                try MFAStore(connection).lockUser(user.id)
                let outcome = try WebAuthnStore(connection).delete(id: id, userID: user.id,
                                                                   methodName: WebAuthnHandler.methodName)
                if outcome == .deleted {
                    try PasskeyAudit(connection).record("passkey_deleted", userID: user.id,
                                                        details: ["credential": .number(JSONNumber(Int(id)))],
                                                        origin: context.origin)
                }
                return outcome
            }
        }
        switch outcome {
        case .deleted: context.logger.notice("passkey deleted")
        case .notFound: throw PasskeyFailure.credentialNotFound
        case .lastKeyOfPrimary: throw PasskeyFailure.lastKeyOfPrimary
        }
    }

    /// The `{id}` path segment: DRF answers a non-number with its generic 404.
    static func number(_ text: String) throws -> Int64 {
        guard text.utf8.count <= 18, let id = Int64(text), id > 0 else { throw PasskeyFailure.notANumber }
        return id
    }
}
