import Logging

/// The request pipeline: routing, content negotiation, authentication, method dispatch and
/// error rendering. Immutable and shared by every worker thread.
public final class Application: Sendable {
    public let settings: Settings
    public let router: Router
    public let clock: any TimeSource
    /// The per-instance budget for slow hashes, in lanes (shared by all workers).
    public let hashLanes: HashLanes
    /// Counters for /metrics: one shard per worker, plus one for other callers.
    public let metrics: Metrics
    /// Which workers hold a live database connection (healthz).
    public let connections: ConnectionBoard
    private let exporter: MetricsExporter
    /// The OpenAPI document, rendered once.
    public let openAPI: OpenAPIDocument
    private let authenticator: Authenticator
    private let contextShared: RequestContext.Shared
    private let throttleGate = ThrottleGate()
    /// CSRF checks of cookie-authenticated changes, and CORS for listed origins.
    private let crossOrigin: CrossOriginPolicy

    /// `registry`: the second-factor types this build knows (tests add their own).
    /// `passwordPolicy`: the one `serve` opened (nil: made from the settings, see `NewPasswordRules`).
    public init(settings: Settings, clock: any TimeSource = SystemTime(), registry: MFAHandlerRegistry = .builtIn,
                passwordPolicy: PasswordPolicy? = nil) {
        self.settings = settings
        self.clock = clock
        hashLanes = HashLanes(settings.hashing)
        let controllers = Routes.Controllers(settings: settings, lanes: hashLanes, registry: registry,
                                             passwordPolicy: passwordPolicy)
        router = Router(basePath: settings.server.basePath, routes: Routes.make(settings: settings, controllers: controllers))
        metrics = Metrics(routeNames: router.allRoutes.map(\.name), methods: settings.mfa.handlers,
                          kinds: MFAHandlers(settings: settings, registry: registry).evidenceKinds, shards: settings.server.workers + 1)
        connections = ConnectionBoard(workers: settings.server.workers)
        exporter = MetricsExporter(metrics: metrics, lanes: hashLanes, workers: settings.server.workers)
        openAPI = OpenAPIDocument(settings: settings)
        authenticator = Authenticator(tokens: settings.tokens, cookies: settings.cookies)
        crossOrigin = CrossOriginPolicy(browsers: settings.browsers, cookies: settings.cookies)
        contextShared = RequestContext.Shared(settings: settings,
                                              fieldContext: FieldContext(methodNames: settings.mfa.handlers, settings: settings))
    }

    /// Answers one request. Never throws: every failure becomes a JSON response here.
    /// Returns the route's index in `metrics.layout.routes` (its name for the access log).
    /// `shard` is the calling worker's metrics shard (nil: the shared one).
    public func respond(to request: HTTPRequest, database: Database, logger: Logger,
                        shard: MetricsShard? = nil) -> (HTTPResponse, Int) {
        var (response, route) = answer(request, database: database, logger: logger, shard: shard)
        for header in crossOrigin.corsHeaders(request) { response.addHeader(header.name, header.value) }
        return (response, route)
    }

    private func answer(_ request: HTTPRequest, database: Database, logger: Logger,
                        shard: MetricsShard?) -> (HTTPResponse, Int) {
        let unrouted = metrics.layout.unrouted
        if request.contentLength > settings.server.maxBodySize {
            return (APIError.payloadTooLarge.response, unrouted)
        }
        if let path = settings.metrics.path, request.path == path {
            return (metricsResponse(request, database: database, logger: logger), metrics.layout.metricsRoute)
        }
        if let path = settings.server.schemaPath, request.path == path {
            return (schemaResponse(request), metrics.layout.schemaRoute)
        }
        switch router.match(path: request.path, query: request.query) {
        case .notFound:
            return (APIError.notFound.response, unrouted)
        case .redirect(let location):
            return (HTTPResponse(status: .movedPermanently, headers: [("Location", location)], contentType: nil), unrouted)
        case .route(let route):
            // A preflight from a listed origin: answered before anything else (it carries no credentials).
            if let preflight = crossOrigin.preflight(request, allow: route.allow) { return (preflight, route.index) }
            var context = RequestContext(request: request, logger: logger, database: database, shared: contextShared,
                                         clock: clock, metrics: shard ?? metrics.shard(.max))
            var response: HTTPResponse
            do {
                response = try dispatch(route, &context)
            } catch {
                response = ErrorRenderer.response(for: error, logger: context.logger)
            }
            // DRF's API views send Allow on every answer, errors included.
            response.addHeader("Allow", route.allow)
            return (response, route.index)
        }
    }

    /// GET /api/schema/: the OpenAPI document, JSON unless YAML is asked for (`?format=yaml`,
    /// or an Accept header naming YAML), with drf-spectacular's media types.
    private func schemaResponse(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == .get || request.method == .head else {
            var response = APIError.methodNotAllowed(request.method).response
            response.addHeader("Allow", "GET, HEAD")
            return response
        }
        let format = FormURLEncoded.parse(Array(request.query.utf8))["format"].flatMap { value -> String? in
            if case .string(let s) = value { return s } else { return nil }
        }
        let accept = request.headers.accept ?? ""
        let yaml = format == "yaml" || (format == nil && (accept.contains("yaml") || accept.contains("application/vnd.oai.openapi") && !accept.contains("+json")))
        if let format, format != "yaml" && format != "json" { return APIError.notFound.response }
        let name = "authkit-fcgi." + (yaml ? "yaml" : "json")
        return HTTPResponse(status: .ok, headers: [("Content-Disposition", "inline; filename=\"\(name)\"")],
                            body: yaml ? openAPI.yaml : openAPI.json,
                            contentType: yaml ? "application/vnd.oai.openapi; charset=utf-8" : "application/vnd.oai.openapi+json")
    }

    /// GET /metrics: Prometheus text for allowed client addresses, 404 for everyone else (as
    /// if the path did not exist).
    private func metricsResponse(_ request: HTTPRequest, database: Database, logger: Logger) -> HTTPResponse {
        guard settings.metrics.allowedIPs.contains(where: { $0.contains(request.remoteAddress) }) else {
            return APIError.notFound.response
        }
        guard request.method == .get || request.method == .head else {
            var response = APIError.methodNotAllowed(request.method).response
            response.addHeader("Allow", "GET, HEAD")
            return response
        }
        let pending = try? database.run(retry: true, logger: logger) { try $0.execute(MetricsExporter.pendingOutbox).int(0, 0) }
        return HTTPResponse(status: .ok, body: Array(exporter.render(pending: pending).utf8),
                            contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    /// DRF's order: content negotiation (406), authentication (401), throttling (429), method (405), handler.
    private func dispatch(_ route: Route, _ context: inout RequestContext) throws -> HTTPResponse {
        guard ContentNegotiation.acceptsJSON(context.request.headers.accept) else { throw APIError.notAcceptable }
        if route.requiresAuthentication {
            let (user, authTime) = try authenticator.authenticate(context)
            context.user = user
            context.authTime = authTime
            context.logger[metadataKey: "user_id"] = "\(user.id)"
        }
        // DRF's order: a cookie-authenticated change from a foreign origin is 403 after authentication.
        if let failure = crossOrigin.csrfFailure(context.request) {
            context.logger.notice("cross-site request refused")
            throw APIError.detail(.forbidden, failure)
        }
        let method = context.request.method
        if !route.throttles.isEmpty && method != .get && method != .head {
            try throttle(route, context)
        }
        if context.request.method == .options {
            return .json(.ok, route.metadata)
        }
        guard let handler = route.handler(for: context.request.method) else {
            throw APIError.methodNotAllowed(context.request.method)
        }
        return try handler(&context)
    }

    /// Counts the request in each of the route's scopes, in PostgreSQL so every instance shares
    /// the windows; 429 with DRF's body when one is full.
    private func throttle(_ route: Route, _ context: RequestContext) throws {
        let limits = settings.throttles
        let now = context.clock.now()
        for scope in route.throttles {
            guard let rate = limits.rates[scope] else { continue }
            let key = limits.key(scope, client: context.request.remoteAddress, userID: context.user?.id)
            if let wait = throttleGate.wait(key, now: now.seconds) {
                throw APIError.throttled(wait: wait)
            }
            if let wait = try context.db({ try ThrottleWindows($0).hit(key, rate: rate, now: now) }) {
                throttleGate.remember(key, until: now.seconds + wait, now: now.seconds)
                context.logger.notice("rate limited", metadata: ["route": "\(route.name)", "scope": "\(scope.rawValue)"])
                throw APIError.throttled(wait: wait)
            }
        }
    }
}
