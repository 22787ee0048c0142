/// Method management (docs/api.md §6): the authenticated `mfa/` routes. Decodes, calls
/// `MethodManager`, renders.
public struct MFAController: Sendable {
    let manager: MethodManager

    public init(mfa: MFAService) {
        manager = MethodManager(mfa: mfa)
    }

    // MARK: GET mfa/

    public func list(_ context: inout RequestContext) throws -> HTTPResponse {
        let rows: [JSONValue] = try manager.list(try context.requireUser(), context).map { name, method in
            var row = JSONObject()
            row.append("name", .string(name))
            row.append("is_primary", .bool(method?.isPrimary ?? false))
            row.append("is_active", .bool(method?.isActive ?? false))
            row.append("is_setup", .bool(method != nil))
            return .object(row)
        }
        return .json(.ok, .array(rows))
    }

    // MARK: POST mfa/

    public func create(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(MethodRequest.self)
        // Adding a method while another guards the account: the secret and backup codes come
        // back in this answer, so a leaked access token alone must not be enough.
        if user.methods?.contains(where: \.isActive) == true { try context.requireRecentLogin(for: .mfaCreate) }
        let (codes, setupData) = try manager.create(request.method.value, for: user, context)
        var body = JSONObject()
        body.append("method", .string(request.method.value))
        body.append("backup_codes", .array(codes.map { .string($0) }))
        body.append("setup_data", setupData)
        return .json(.created, body)
    }

    // MARK: POST mfa/confirm/, mfa/deactivate/, mfa/primary/, mfa/send/, mfa/delete/

    public func confirm(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(MethodCodeRequest.self)
        try manager.confirm(request.method.value, code: request.code, for: try context.requireUser(), context)
        return .json(.ok, ["detail": "Activated MFA method"])
    }

    public func deactivate(_ context: inout RequestContext) throws -> HTTPResponse {
        let request = try context.decode(MethodCodeRequest.self)
        try manager.deactivate(request.method.value, code: request.code, for: try context.requireUser(), context)
        return .json(.ok, ["detail": "Deactivated MFA method"])
    }

    public func primary(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(MFAPrimaryRequest.self)
        try manager.makePrimary(request.method.value, primaryCode: request.primaryCode, for: user, context)
        return .json(.ok, ["detail": "Updated primary MFA method"])
    }

    public func send(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(MethodRequest.self)
        try manager.send(request.method.value, for: user, context)
        return .json(.ok, ["detail": "MFA code sent"])
    }

    public func delete(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(MFADeleteRequest.self)
        try manager.delete(request.method.value, code: request.code?.value, for: user, context)
        return HTTPResponse(status: .noContent, contentType: nil)
    }

    // MARK: POST mfa/challenge/

    public func challenge(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(MethodRequest.self)
        return .json(.ok, try manager.challengeOptions(request.method.value, for: user, context))
    }

    // MARK: GET mfa/backup-codes/, POST mfa/backup-codes/regenerate/ (not in drf-auth-kit)

    public func backupCodes(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decodeQuery(MethodRequest.self)
        let remaining = try manager.backupCodesRemaining(request.method.value, for: user, context)
        var body = JSONObject()
        body.append("method", .string(request.method.value))
        body.append("remaining", .number(JSONNumber(literal: String(remaining))))
        return .json(.ok, body)
    }

    public func regenerateBackupCodes(_ context: inout RequestContext) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(MethodCodeRequest.self)
        let codes = try manager.regenerateBackupCodes(request.method.value, code: request.code, for: user, context)
        var body = JSONObject()
        body.append("method", .string(request.method.value))
        body.append("backup_codes", .array(codes.map { .string($0) }))
        return .json(.ok, body)
    }
}
