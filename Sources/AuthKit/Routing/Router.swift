/// Maps request paths to routes under the base path (API.md §1.5 trailing-slash rules).
public struct Router: Sendable {
    public enum Match {
        case route(Route)
        /// 301 to this path-only location (the slash-less form of a slash-required route).
        case redirect(String)
        case notFound
    }

    public let basePath: String
    private let routes: [String: Route]

    public init(basePath: String, routes: [Route]) {
        self.basePath = basePath
        var table: [String: Route] = [:]
        for (index, route) in routes.sorted(by: { $0.path < $1.path }).enumerated() {
            precondition(table[route.path] == nil, "duplicate route \(route.path)")
            var indexed = route
            indexed.index = index
            table[route.path] = indexed
        }
        self.routes = table
    }

    public var allRoutes: [Route] { routes.values.sorted { $0.path < $1.path } }

    public func match(path rawPath: String, query: String) -> Match {
        let path = FormURLEncoded.decodePath(rawPath)
        guard path.hasPrefix(basePath) else { return .notFound }
        let rest = path.dropFirst(basePath.count)
        if rest.isEmpty { return .notFound }
        if rest.hasSuffix("/") {
            let key = rest.dropLast()
            // `login//` and the like are not routes.
            guard !key.isEmpty, !key.hasSuffix("/"), let route = routes[String(key)] else { return .notFound }
            return .route(route)
        }
        guard let route = routes[String(rest)] else { return .notFound }
        switch route.trailingSlash {
        case .optional:
            return .route(route)
        case .required:
            return .redirect(rawPath + "/" + (query.isEmpty ? "" : "?" + query))
        }
    }
}
