import Synchronization

/// Everything `/metrics` reports for this instance. Per-request counters live in one shard per
/// worker (no shared cache line is written on the hot path); rare events (reconnects, outbox
/// deliveries, hash-budget waits) are plain process-wide atomics.
public final class Metrics: Sendable {
    public let layout: MetricsLayout
    let shards: [MetricsShard]

    /// Outbox deliveries by this instance's sender thread.
    let outboxSent = Counter()
    let outboxRetried = Counter()
    let outboxFailed = Counter()
    let outboxExpired = Counter()

    /// Connections re-established after a failure, by any thread of the process.
    static let databaseReconnects = Counter()

    /// Statements the server cancelled for the session's statement or lock timeout (each a 503).
    static let databaseTimeouts = Counter()

    init(routeNames: [String], methods: [String], kinds: [String], shards count: Int) {
        let layout = MetricsLayout(routeNames: routeNames, methods: methods, kinds: kinds)
        self.layout = layout
        shards = (0..<max(1, count)).map { _ in MetricsShard(layout: layout) }
    }

    /// Worker `index`'s shard; callers outside the workers (tests, tools) share the last one.
    public func shard(_ index: Int) -> MetricsShard { shards[min(max(index, 0), shards.count - 1)] }

    public func record(_ report: OutboxSender.Report) {
        outboxSent.add(UInt64(report.sent))
        outboxRetried.add(UInt64(report.retried))
        outboxFailed.add(UInt64(report.failed))
        outboxExpired.add(UInt64(report.expired))
    }

    /// Sum of one counter index over every shard.
    func total(_ counters: KeyPath<MetricsShard, [Counter]>, _ index: Int) -> UInt64 {
        shards.reduce(0) { $0 &+ $1[keyPath: counters][index].value }
    }
}
