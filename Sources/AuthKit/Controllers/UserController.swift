/// GET / PUT / PATCH user/ (API.md §7).
public struct UserController: Sendable {
    public init() {}

    public func show(_ context: inout RequestContext) throws -> HTTPResponse {
        .json(.ok, try context.requireUser().json)
    }

    public func replace(_ context: inout RequestContext) throws -> HTTPResponse {
        try update(&context, partial: false)
    }

    public func modify(_ context: inout RequestContext) throws -> HTTPResponse {
        try update(&context, partial: true)
    }

    private func update(_ context: inout RequestContext, partial: Bool) throws -> HTTPResponse {
        let user = try context.requireUser()
        let request = try context.decode(UserUpdateRequest.self, partial: partial)
        let result = try context.db {
            try UserStore($0).updateProfile(id: user.id, username: request.username?.value,
                                            firstName: request.firstName?.value, lastName: request.lastName?.value)
        }
        switch result {
        case .updated(let updated): return .json(.ok, updated.json)
        case .usernameTaken: throw APIError.field("username", "A user with that username already exists.")
        }
    }
}
