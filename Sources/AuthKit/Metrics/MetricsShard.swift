/// The hot-path counters of one worker thread. Each worker writes only its own shard, so
/// counting a request is a handful of uncontended atomic adds; `/metrics` sums the shards.
public final class MetricsShard: Sendable {
    let layout: MetricsLayout
    /// route × status
    let requests: [Counter]
    /// route × latency bucket (cumulative at render time, not here)
    let latencyBuckets: [Counter]
    /// route: microseconds and count
    let latencySum: [Counter]
    let latencyCount: [Counter]
    /// flow × method × kind × result
    let codeChecks: [Counter]
    /// method
    let lockouts: [Counter]
    /// route
    let throttled: [Counter]

    init(layout: MetricsLayout) {
        self.layout = layout
        requests = .make(layout.routes.count * MetricsLayout.statuses.count)
        latencyBuckets = .make(layout.routes.count * MetricsLayout.latencyBounds.count)
        latencySum = .make(layout.routes.count)
        latencyCount = .make(layout.routes.count)
        codeChecks = .make(MetricsLayout.flows.count * layout.methods.count * layout.kinds.count * 2)
        lockouts = .make(layout.methods.count)
        throttled = .make(layout.routes.count)
    }

    /// One answered request: its route label index, status and duration.
    public func request(route: Int, status: Int, micros: UInt64) {
        requests[route * MetricsLayout.statuses.count + MetricsLayout.statusIndex(status)].add()
        if status == 429 { throttled[route].add() }
        let bounds = MetricsLayout.latencyBounds
        var bucket = bounds.count - 1
        for (i, bound) in bounds.enumerated() where micros <= bound {
            bucket = i
            break
        }
        latencyBuckets[route * bounds.count + bucket].add()
        latencySum[route].add(micros)
        latencyCount[route].add()
    }

    /// One second-factor code check.
    public func codeCheck(flow: MetricsLayout.Flow, method: String, kind: String, success: Bool) {
        guard let m = layout.methods.firstIndex(of: method), let k = layout.kinds.firstIndex(of: kind) else { return }
        codeChecks[layout.codeCheckIndex(flow: flow, method: m, kind: k, failure: success ? 0 : 1)].add()
    }

    public func lockout(method: String) {
        guard let m = layout.methods.firstIndex(of: method) else { return }
        lockouts[m].add()
    }
}

/// The label values the shards are indexed by, fixed at start-up.
public struct MetricsLayout: Sendable {
    /// Route labels: every route's name in path order, then `-` (no route matched), the
    /// metrics endpoint and the OpenAPI document.
    public let routes: [String]
    public let methods: [String]
    /// Evidence kinds of the configured handlers, then `backup`.
    public let kinds: [String]
    public var unrouted: Int { routes.count - 3 }
    public var metricsRoute: Int { routes.count - 2 }
    public var schemaRoute: Int { routes.count - 1 }

    init(routeNames: [String], methods: [String], kinds: [String]) {
        routes = routeNames + ["-", "metrics", "schema"]
        self.methods = methods
        self.kinds = kinds
    }

    /// Index of a code-check counter: flow × method × kind × (success, failure).
    func codeCheckIndex(flow: Flow, method: Int, kind: Int, failure: Int) -> Int {
        ((flow.rawValue * methods.count + method) * kinds.count + kind) * 2 + failure
    }

    /// Every status the service answers with; anything else is counted as 0 ("other").
    static let statuses = [200, 201, 204, 301, 400, 401, 403, 404, 405, 406, 413, 415, 429, 500, 501, 503, 0]
    static func statusIndex(_ code: Int) -> Int { statuses.firstIndex(of: code) ?? statuses.count - 1 }

    /// Upper bounds of the latency buckets, in microseconds (the last is +Inf).
    static let latencyBounds: [UInt64] = [250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
                                          1_000_000, 2_500_000, .max]

    /// Where a code was checked: the second login step, or method management.
    public enum Flow: Int, Sendable, CaseIterable {
        case login, manage
        var label: String { self == .login ? "login" : "manage" }
    }
    static let flows = Flow.allCases
}
