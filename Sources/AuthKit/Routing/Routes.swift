/// The route table (API.md §5–§7 plus `healthz`), built in this one function.
public enum Routes {
    public struct Controllers: Sendable {
        public var health = HealthController()
        public var pending = PendingController()
        public init() {}
    }

    public static func make(settings: Settings, controllers c: Controllers) -> [Route] {
        let names = settings.mfaHandlers
        func route(_ path: String, _ slash: Route.TrailingSlash, authenticated: Bool,
                   _ handlers: [HTTPMethod: Handler]) -> Route {
            Route(path, slash: slash, authenticated: authenticated,
                  metadata: RouteMetadata.object(for: path, methodNames: names), handlers: handlers)
        }
        let pending: Handler = { try c.pending.notImplemented(&$0) }
        func pendingBody<T: RequestBody>(_ type: T.Type) -> Handler {
            { try c.pending.validateThenNotImplemented(type, &$0) }
        }
        return [
            route("healthz", .optional, authenticated: false, [.get: { try c.health.show(&$0) }]),

            // Login flow (§5): no authentication, slash optional.
            route("login", .optional, authenticated: false, [.post: pendingBody(LoginRequest.self)]),
            route("login/verify", .optional, authenticated: false, [.post: pendingBody(LoginVerifyRequest.self)]),
            route("login/change-method", .optional, authenticated: false, [.post: pendingBody(LoginChangeMethodRequest.self)]),
            route("login/resend", .optional, authenticated: false, [.post: pendingBody(EphemeralTokenRequest.self)]),
            route("login/challenge", .optional, authenticated: false, [.post: pendingBody(EphemeralTokenRequest.self)]),

            // Tokens, logout, user (§7).
            route("token/refresh", .optional, authenticated: false, [.post: pending]),
            route("token/verify", .optional, authenticated: false, [.post: pendingBody(TokenVerifyRequest.self)]),
            route("logout", .optional, authenticated: true, [.post: pending]),
            route("user", .optional, authenticated: true, [.get: pending, .put: pending, .patch: pending]),

            // Method management (§6): authenticated, slash required. HTTP DELETE is not routed
            // to the delete action (the reference's quirk §8.1): it gets 405 here.
            route("mfa", .required, authenticated: true, [.get: pending, .post: pendingBody(MethodRequest.self)]),
            route("mfa/confirm", .required, authenticated: true, [.post: pendingBody(MethodCodeRequest.self)]),
            route("mfa/deactivate", .required, authenticated: true, [.post: pendingBody(MethodCodeRequest.self)]),
            route("mfa/primary", .required, authenticated: true, [.post: pendingBody(MethodRequest.self)]),
            route("mfa/send", .required, authenticated: true, [.post: pendingBody(MethodRequest.self)]),
            route("mfa/delete", .required, authenticated: true, [.post: pendingBody(MethodRequest.self)]),
            route("mfa/challenge", .required, authenticated: true, [.post: pendingBody(MethodRequest.self)]),
        ]
    }
}
