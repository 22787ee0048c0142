/// `GET {base}healthz`: 200 when this instance can reach PostgreSQL, 503 otherwise.
/// A worker whose connection succeeded within `AUTHKIT_HEALTHZ_MAX_AGE` answers without a
/// round trip, so load balancers can poll it cheaply.
///
/// `connections` is the instance's share of workers holding a live connection (each worker
/// publishes its state; idle ones notice a terminated session at once): below
/// `AUTHKIT_HEALTHZ_MIN_LIVE_SHARE` the answer is 503 `degraded`, because that many requests
/// would get 503 although the worker answering the check may be fine; with none, 503
/// `unavailable`. `database` is `ok` when the answering worker reaches PostgreSQL.
public struct HealthController: Sendable {
    public init() {}

    public func show(_ context: inout RequestContext) throws -> HTTPResponse {
        let reachable = context.database.isReachable(maxAge: context.settings.server.healthzMaxAge,
                                                     logger: context.logger)
        let (live, total) = context.database.instanceConnections
        let connections: JSONValue = .object(["live": .number(JSONNumber(live)), "total": .number(JSONNumber(total))])
        if live == 0 {
            return HTTPResponse(status: .serviceUnavailable, body: JSONWriter.encode(.object([
                "status": "unavailable", "database": "unreachable", "connections": connections])))
        }
        // Which worker answers a check is up to the kernel (often the same one), so the
        // instance's share decides, and a worker that cannot reach the database itself never
        // claims ok.
        if !reachable || Double(live) < context.settings.server.healthzMinLiveShare * Double(total) {
            return HTTPResponse(status: .serviceUnavailable, body: JSONWriter.encode(.object([
                "status": "degraded", "database": reachable ? "ok" : "unreachable", "connections": connections])))
        }
        return HTTPResponse(status: .ok, body: JSONWriter.encode(.object([
            "status": "ok", "database": "ok", "connections": connections])))
    }
}
