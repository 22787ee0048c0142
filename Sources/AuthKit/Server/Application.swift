import Logging

/// The request pipeline: routing, content negotiation, authentication, method dispatch and
/// error rendering. Immutable and shared by every worker thread.
public final class Application: Sendable {
    public let settings: Settings
    public let router: Router
    public let clock: any TimeSource
    /// The per-instance budget for slow hashes (shared by all workers).
    public let hashBudget: HashBudget
    private let authenticator: Authenticator
    private let fieldContext: FieldContext
    private let rateLimiter: RateLimiter?

    public init(settings: Settings, clock: any TimeSource = SystemTime()) {
        self.settings = settings
        self.clock = clock
        hashBudget = HashBudget(concurrency: settings.hashConcurrency, queue: settings.hashQueue, timeout: settings.hashQueueTimeout)
        let controllers = Routes.Controllers(settings: settings, budget: hashBudget)
        router = Router(basePath: settings.basePath, routes: Routes.make(settings: settings, controllers: controllers))
        authenticator = Authenticator(settings: settings)
        rateLimiter = settings.security.loginRate.map { RateLimiter(requests: $0.requests, period: $0.period) }
        fieldContext = FieldContext(methodNames: settings.mfaHandlers, settings: settings)
    }

    /// Answers one request. Never throws: every failure becomes a JSON response here.
    /// Returns the route name for the access log ("-" when no route matched).
    public func respond(to request: HTTPRequest, database: Database, logger: Logger) -> (HTTPResponse, String) {
        if request.contentLength > settings.maxBodySize {
            return (APIError.payloadTooLarge.response, "-")
        }
        switch router.match(path: request.path, query: request.query) {
        case .notFound:
            return (APIError.notFound.response, "-")
        case .redirect(let location):
            return (HTTPResponse(status: .movedPermanently, headers: [("Location", location)], contentType: nil), "-")
        case .route(let route):
            var context = RequestContext(request: request, logger: logger, database: database, settings: settings,
                                         clock: clock, fieldContext: fieldContext)
            var response: HTTPResponse
            do {
                response = try dispatch(route, &context)
            } catch {
                response = ErrorRenderer.response(for: error, logger: context.logger)
            }
            // DRF's API views send Allow on every answer, errors included.
            response.addHeader("Allow", route.allow)
            return (response, route.name)
        }
    }

    /// DRF's order: content negotiation (406), authentication (401), throttling (429), method (405), handler.
    private func dispatch(_ route: Route, _ context: inout RequestContext) throws -> HTTPResponse {
        guard ContentNegotiation.acceptsJSON(context.request.headers.accept) else { throw APIError.notAcceptable }
        if route.requiresAuthentication {
            let user = try authenticator.authenticate(context)
            context.user = user
            context.logger[metadataKey: "user_id"] = "\(user.id)"
        }
        if route.throttled, let limiter = rateLimiter {
            let client = ClientAddress.of(context.request, trusting: settings.security.trustedProxies)
            if let wait = limiter.wait(for: client, nowMicros: context.clock.now().microseconds) {
                context.logger.notice("rate limited", metadata: ["route": "\(route.name)"])
                throw APIError.throttled(wait: wait)
            }
        }
        if context.request.method == .options {
            return .json(.ok, route.metadata)
        }
        guard let handler = route.handler(for: context.request.method) else {
            throw APIError.methodNotAllowed(context.request.method)
        }
        return try handler(&context)
    }
}
