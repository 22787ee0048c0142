/// `GET {base}healthz`: 200 when this instance can reach PostgreSQL, 503 otherwise.
/// A worker whose connection succeeded within `AUTHKIT_HEALTHZ_MAX_AGE` answers without a
/// round trip, so load balancers can poll it cheaply.
public struct HealthController: Sendable {
    public init() {}

    public func show(_ context: inout RequestContext) throws -> HTTPResponse {
        if context.database.isReachable(maxAge: context.settings.server.healthzMaxAge, logger: context.logger) {
            return HTTPResponse(status: .ok, body: Self.okBody)
        }
        return HTTPResponse(status: .serviceUnavailable, body: Self.unavailableBody)
    }

    /// Encoded once: load balancers poll this path all the time.
    static let okBody = JSONWriter.encode(.object(["status": "ok", "database": "ok"]))
    static let unavailableBody = JSONWriter.encode(.object(["status": "unavailable", "database": "unreachable"]))
}
