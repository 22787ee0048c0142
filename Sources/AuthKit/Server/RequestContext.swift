import Logging
import PostgreSQL

/// Everything one request may use: the request, a logger tagged with nginx's request id, the
/// worker's own database connection, the clock and the (immutable, shared) settings.
/// Lives on one worker thread for the duration of one request.
public struct RequestContext {
    /// The application-wide values every context reads, held by reference: setting up a
    /// request's context then retains one object instead of copying every field of `Settings`
    /// (measured: ~2,300 instructions per request).
    final class Shared: Sendable {
        let settings: Settings
        let fieldContext: FieldContext
        let deviceCookies: DeviceCookie

        init(settings: Settings, fieldContext: FieldContext) {
            self.settings = settings
            self.fieldContext = fieldContext
            deviceCookies = DeviceCookie(secretKey: settings.tokens.secretKey, lifetime: settings.cookies.deviceLifetime)
        }
    }

    public let request: HTTPRequest
    public var logger: Logger
    public let database: Database
    private let shared: Shared
    public var settings: Settings { _read { yield shared.settings } }
    public let clock: any TimeSource
    public var fieldContext: FieldContext { _read { yield shared.fieldContext } }
    /// This worker's metrics shard.
    public let metrics: MetricsShard
    private var parsedBody: JSONValue?

    init(request: HTTPRequest, logger: Logger, database: Database, shared: Shared, clock: any TimeSource,
         metrics: MetricsShard) {
        self.metrics = metrics
        self.request = request
        self.logger = logger
        self.database = database
        self.shared = shared
        self.clock = clock
    }

    /// The parsed body. Parsed on first use, so (as in DRF) authentication and method errors
    /// win over a malformed body.
    public mutating func body() throws(APIError) -> JSONValue {
        if let parsedBody { return parsedBody }
        let value = try BodyParser.parse(request)
        parsedBody = value
        return value
    }

    /// The authenticated user on protected routes (set before the handler runs).
    public var user: User?
    /// When that user's session logged in (the access token's `auth_time`; nil when unknown).
    public var authTime: Int64?

    /// 403 unless the session logged in within AUTHKIT_REAUTHENTICATION_TIMEOUT, when `change`
    /// is one that asks for it (django-allauth's reauthentication).
    public func requireRecentLogin(for change: SensitiveChange) throws {
        let policy = settings.reauthentication
        guard policy.required.contains(change) else { return }
        if let authTime, clock.now().seconds - authTime <= policy.timeout { return }
        throw APIError.detail(.forbidden, "This change needs a recent login: log in again, then retry within "
                                  + "\(policy.timeout) seconds.", code: "reauthentication_required")
    }

    /// The body decoded into an endpoint's request type, with DRF's validation order.
    /// `partial` (PATCH) makes every field optional.
    public mutating func decode<T: RequestBody>(_ type: T.Type, partial: Bool = false) throws -> T {
        var fields = fieldContext
        fields.partial = partial
        return try T.decode(from: body(), context: fields)
    }

    /// The query string decoded into a request type, with the same field rules as bodies
    /// (for GET routes that take parameters).
    public func decodeQuery<T: RequestBody>(_ type: T.Type) throws -> T {
        try T.decode(from: .object(FormURLEncoded.parse(Array(request.query.utf8))), context: fieldContext)
    }

    /// The authenticated user; only protected routes call this.
    public func requireUser() throws -> User {
        guard let user else { throw APIError.unauthorized("Authentication credentials were not provided.") }
        return user
    }

    /// The device cookies this instance signs and checks.
    public var deviceCookies: DeviceCookie { shared.deviceCookies }

    /// Whose failure budget this request's password or code attempts for `user` count against:
    /// its own device's when it presents a valid device cookie for that account (issued after
    /// the account's sessions were last revoked), else the budget shared by every other client.
    public func attemptLane(for user: User?) -> AttemptLane {
        guard let user, let value = AuthCookies.value(settings.cookies.deviceName, in: request.headers.cookie),
              let token = deviceCookies.parse(value, now: clock.now().seconds), token.username == user.username,
              token.issuedAt > user.sessionsRevokedAt ?? 0 else { return .untrusted }
        return .device(token.deviceID)
    }

    /// Who the audit trail records as the cause of a change made by this request. The address
    /// is REMOTE_ADDR: nginx's realip module has already put the client there.
    public var origin: EventOrigin {
        EventOrigin(clientIP: request.remoteAddress, requestID: request.requestID,
                    userAgentHash: EventOrigin.hash(userAgent: request.headers.userAgent))
    }

    /// Runs `body` on this worker's database connection (see `Database.run`).
    public func db<T>(retry: Bool = false, _ body: (PGConnection) throws -> T) throws -> T {
        try database.run(retry: retry, logger: logger, body)
    }
}
