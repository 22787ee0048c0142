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
    /// Routes with a `{id}` segment (`webauthn/credentials/{id}`), tried only when no fixed
    /// path matches: one segment matches any non-empty segment; the controller reads it.
    private let patterns: [(segments: [Substring], route: Route)]

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
        patterns = table.values.filter { $0.path.contains("{") }.sorted { $0.path < $1.path }
            .map { ($0.path.split(separator: "/", omittingEmptySubsequences: false), $0) }
    }

    /// The route at `key` (a path without base and trailing slash): fixed paths first.
    private func lookup(_ key: String) -> Route? {
        if let route = routes[key] { return route }
        guard !patterns.isEmpty else { return nil }
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        return patterns.first { pattern in
            pattern.segments.count == segments.count && zip(pattern.segments, segments).allSatisfy { want, got in
                want.hasPrefix("{") ? !got.isEmpty : want == got
            }
        }?.route
    }

    public var allRoutes: [Route] { routes.values.sorted { $0.path < $1.path } }

    public func match(path rawPath: String, query: String) -> Match {
        let path = FormURLEncoded.decodePath(rawPath)
        // Compared as code units, as Django compares str: no canonical-equivalence matching.
        guard path.utf8.starts(with: basePath.utf8) else { return .notFound }
        // Byte offsets (the base path and `/` are compared as UTF-8): O(1) on native strings,
        // where Character-based dropFirst/dropLast walk grapheme clusters on every request.
        let utf8 = path.utf8
        let restStart = utf8.index(path.startIndex, offsetBy: basePath.utf8.count)
        if restStart == path.endIndex { return .notFound }
        let slash = UInt8(ascii: "/")
        if utf8.last == slash {
            let keyEnd = utf8.index(before: path.endIndex)
            // `login//` and the like are not routes.
            guard keyEnd > restStart, utf8[utf8.index(before: keyEnd)] != slash,
                  let route = lookup(String(path[restStart..<keyEnd])) else { return .notFound }
            return .route(route)
        }
        guard let route = lookup(String(path[restStart...])) else { return .notFound }
        switch route.trailingSlash {
        case .optional:
            return .route(route)
        case .required:
            return .redirect(rawPath + "/" + (query.isEmpty ? "" : "?" + query))
        }
    }
}
