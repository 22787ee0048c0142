/// A controller method bound to a route.
public typealias Handler = @Sendable (inout RequestContext) throws -> HTTPResponse

/// One endpoint: its path under the base path, the handler per HTTP method, and the metadata
/// OPTIONS answers with.
public struct Route: Sendable {
    /// drf-auth-kit's `login/?$` routes answer with or without the final slash; the `mfa/`
    /// viewset routes require it and redirect (301) the slash-less path.
    public enum TrailingSlash: Sendable { case optional, required }

    /// Path relative to the base path, without the trailing slash (`login`, `mfa/confirm`).
    public let path: String
    public let trailingSlash: TrailingSlash
    public let requiresAuthentication: Bool
    /// The AUTHKIT_THROTTLE_RATES scopes a request is counted in (per client network or per
    /// user). GET and HEAD are never counted: reads cost one indexed query.
    public let throttles: [ThrottleScope]
    public let handlers: [HTTPMethod: Handler]
    /// DRF's OPTIONS metadata body (`name`, `description`, `renders`, `parses`, `actions`).
    public let metadata: JSONObject
    /// The `Allow` header: the handled methods in DRF's order, HEAD with GET, and OPTIONS.
    public let allow: String
    /// Position in the router's path-ordered table (the route's metrics label index).
    public internal(set) var index = 0

    public init(_ path: String, slash: TrailingSlash, authenticated: Bool, throttles: [ThrottleScope] = [], metadata: JSONObject,
                handlers: [HTTPMethod: Handler]) {
        self.path = path
        self.trailingSlash = slash
        self.requiresAuthentication = authenticated
        self.throttles = throttles
        self.handlers = handlers
        self.metadata = metadata
        var methods = Array(handlers.keys)
        if handlers[.get] != nil { methods.append(.head) }
        methods.append(.options)
        allow = methods.sorted { $0.allowOrder < $1.allowOrder }.map(\.name).joined(separator: ", ")
    }

    /// The name used in logs and metrics: the route as written in API.md (`login/`).
    public var name: String { path + "/" }

    /// The handler for `method`; HEAD runs the GET handler (the body is dropped when sent).
    func handler(for method: HTTPMethod) -> Handler? {
        if let h = handlers[method] { return h }
        if method == .head { return handlers[.get] }
        return nil
    }
}
