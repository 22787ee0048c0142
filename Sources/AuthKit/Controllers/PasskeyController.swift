/// webauthn/credentials/ (docs/api.md §13): a user's passkeys. Decodes, calls
/// `PasskeyManager`, renders.
public struct PasskeyController: Sendable {
    let manager: PasskeyManager

    public init(settings: WebAuthnSettings) { manager = PasskeyManager(settings: settings) }

    static let prefix = "webauthn/credentials/"

    public func list(_ context: inout RequestContext) throws -> HTTPResponse {
        let keys = try manager.list(try context.requireUser(), context)
        return .json(.ok, .array(keys.map(Self.render)))
    }

    public func registerOptions(_ context: inout RequestContext) throws -> HTTPResponse {
        .json(.ok, try manager.registerOptions(try context.requireUser(), context))
    }

    public func create(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(PasskeyCreateRequest.self)
        let stored = try manager.add(request.credential.value, name: request.name.value, for: user, context)
        return .json(.created, Self.render(stored))
    }

    public func rename(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(PasskeyRenameRequest.self)
        try manager.rename(Self.id(context), to: request.name.value, for: user, context)
        return .json(.ok, ["detail": "Credential renamed."])
    }

    public func delete(_ context: inout RequestContext) throws -> HTTPResponse {
        try manager.delete(Self.id(context), for: try context.requireUser(), context)
        return HTTPResponse(status: .noContent, contentType: nil)
    }

    /// The `{id}` segment of `webauthn/credentials/{id}/…`.
    static func id(_ context: RequestContext) -> String {
        let path = FormURLEncoded.decodePath(context.request.path)
        guard let range = path.firstRange(of: prefix) else { return "" }
        return String(path[range.upperBound...].prefix { $0 != "/" })
    }

    /// The reference's fields, in its order (no key material, no counter).
    static func render(_ key: WebAuthnStore.Credential) -> JSONValue {
        var row = JSONObject()
        row.append("id", .number(JSONNumber(literal: String(key.id))))
        row.append("name", .string(key.name))
        row.append("discoverable", .bool(key.discoverable))
        row.append("transports", .array(key.transports.map { .string($0) }))
        row.append("aaguid", .string(key.aaguid))
        row.append("created_at", .string(key.createdAt))
        row.append("last_used_at", key.lastUsedAt.map { .string($0) } ?? .null)
        return .object(row)
    }
}
