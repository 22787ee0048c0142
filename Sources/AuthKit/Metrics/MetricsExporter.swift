import PostgreSQL
#if canImport(Glibc)
import Glibc
#endif

/// Renders `GET /metrics` for one instance: the shards summed, the hash budget, the outbox
/// (its depth, read from the database by the caller: shared by every instance), reconnects
/// and memory.
struct MetricsExporter {
    let metrics: Metrics
    let lanes: HashLanes
    let workers: Int

    static let pendingOutbox = PGStatement("metrics_outbox_pending",
        "SELECT count(*) FROM email_outbox WHERE status = 'pending'")

    /// `pending`: the outbox depth, nil when the database could not be asked.
    func render(pending: Int?) -> String {
        var out = PrometheusText()
        let layout = metrics.layout
        let statuses = MetricsLayout.statuses

        out.family("authkit_requests_total", "counter",
                   "Requests answered, by route and status (route \"-\": no route matched).")
        for (r, route) in layout.routes.enumerated() {
            for (s, status) in statuses.enumerated() {
                let n = metrics.total(\.requests, r * statuses.count + s)
                if n > 0 {
                    out.sample("authkit_requests_total",
                               ["route": route, "status": status == 0 ? "other" : String(status)], n)
                }
            }
        }

        let bounds = MetricsLayout.latencyBounds
        out.family("authkit_request_duration_seconds", "histogram",
                   "Time from the request's arrival to its response written, by route.")
        for (r, route) in layout.routes.enumerated() {
            let count = metrics.total(\.latencyCount, r)
            guard count > 0 else { continue }
            var cumulative: UInt64 = 0
            for (b, bound) in bounds.enumerated() {
                cumulative &+= metrics.total(\.latencyBuckets, r * bounds.count + b)
                let le = bound == .max ? "+Inf" : PrometheusText.seconds(bound)
                out.sample("authkit_request_duration_seconds_bucket", ["route": route, "le": le], cumulative)
            }
            out.sample("authkit_request_duration_seconds_sum", ["route": route],
                       PrometheusText.seconds(metrics.total(\.latencySum, r)))
            out.sample("authkit_request_duration_seconds_count", ["route": route], count)
        }

        out.family("authkit_mfa_code_checks_total", "counter",
                   "Second-factor codes checked: flow (login = login/verify/, manage = confirm/deactivate/primary/delete/regenerate), method, kind (totp, email, backup, ...), result.")
        for flow in MetricsLayout.flows {
            for (m, method) in layout.methods.enumerated() {
                for (k, kind) in layout.kinds.enumerated() {
                    for (s, result) in ["success", "failure"].enumerated() {
                        let n = metrics.total(\.codeChecks,
                                              layout.codeCheckIndex(flow: flow, method: m, kind: k, failure: s))
                        out.sample("authkit_mfa_code_checks_total",
                                   ["flow": flow.label, "method": method, "kind": kind, "result": result], n)
                    }
                }
            }
        }
        out.family("authkit_mfa_lockouts_total", "counter",
                   "Methods locked after AUTHKIT_MFA_MAX_FAILURES consecutive wrong codes.")
        for (m, method) in layout.methods.enumerated() {
            out.sample("authkit_mfa_lockouts_total", ["method": method], metrics.total(\.lockouts, m))
        }
        out.family("authkit_throttled_total", "counter",
                   "429 answers (rate limits, attempt delays, locks, send cooldown), by route.")
        for (r, route) in layout.routes.enumerated() {
            let n = metrics.total(\.throttled, r)
            if n > 0 { out.sample("authkit_throttled_total", ["route": route], n) }
        }

        out.family("authkit_hash_budget_slots", "gauge",
                   "Slow hashes that may run at once, per lane (untrusted: AUTHKIT_PASSWORD_HASH_CONCURRENCY, trusted: "
                       + "AUTHKIT_TRUSTED_HASH_CONCURRENCY, enrolment: AUTHKIT_ENROLMENT_HASH_CONCURRENCY).")
        for lane in HashLanes.Lane.allCases {
            out.sample("authkit_hash_budget_slots", ["lane": lane.rawValue], UInt64(lanes.budget(lane).concurrency))
        }
        out.family("authkit_hash_budget_in_use", "gauge", "Slow hashes running now, per lane.")
        for lane in HashLanes.Lane.allCases {
            out.sample("authkit_hash_budget_in_use", ["lane": lane.rawValue],
                       UInt64(max(0, lanes.budget(lane).running.load(ordering: .relaxed))))
        }
        out.family("authkit_hash_budget_waiting", "gauge", "Requests waiting for a slow-hash slot now, per lane.")
        for lane in HashLanes.Lane.allCases {
            out.sample("authkit_hash_budget_waiting", ["lane": lane.rawValue],
                       UInt64(max(0, lanes.budget(lane).waiting)))
        }
        out.family("authkit_hash_budget_waits_total", "counter",
                   "Requests that had to wait for a slow-hash slot, per lane.")
        for lane in HashLanes.Lane.allCases {
            out.sample("authkit_hash_budget_waits_total", ["lane": lane.rawValue],
                       UInt64(lanes.budget(lane).waits.load(ordering: .relaxed)))
        }
        out.family("authkit_hash_budget_refused_total", "counter",
                   "Requests answered 503 because their lane of the slow-hash budget and its queue were full.")
        for lane in HashLanes.Lane.allCases {
            out.sample("authkit_hash_budget_refused_total", ["lane": lane.rawValue],
                       UInt64(lanes.budget(lane).refused.load(ordering: .relaxed)))
        }
        out.family("authkit_slow_hashes_total", "counter",
                   "Slow hashes computed (passwords, old backup-code schemes, enrolment).")
        out.sample("authkit_slow_hashes_total", [:], UInt64(lanes.computed))

        out.family("authkit_outbox_deliveries_total", "counter",
                   "Code emails handled by this instance's sender: sent, retry (will be tried again), failed (for good), expired (code no longer valid).")
        for (result, counter) in [("sent", metrics.outboxSent), ("retry", metrics.outboxRetried),
                                  ("failed", metrics.outboxFailed), ("expired", metrics.outboxExpired)] {
            out.sample("authkit_outbox_deliveries_total", ["result": result], counter.value)
        }
        out.family("authkit_database_up", "gauge", "1 when this scrape could query the database.")
        out.sample("authkit_database_up", [:], pending == nil ? 0 : 1)
        if let n = pending {
            out.family("authkit_outbox_pending", "gauge",
                       "Code emails waiting to be sent (the shared outbox: the same for every instance).")
            out.sample("authkit_outbox_pending", [:], UInt64(max(0, n)))
        }
        out.family("authkit_database_reconnects_total", "counter",
                   "Database connections re-established after a failure (by any thread of this instance).")
        out.sample("authkit_database_reconnects_total", [:], Metrics.databaseReconnects.value)
        out.family("authkit_database_timeouts_total", "counter",
                   "Statements cancelled by the statement or lock timeout, each answered 503 (any thread).")
        out.sample("authkit_database_timeouts_total", [:], Metrics.databaseTimeouts.value)

        out.family("authkit_workers", "gauge", "Worker threads (each with its own database connection).")
        out.sample("authkit_workers", [:], UInt64(workers))
        out.family("authkit_info", "gauge", "Build information.")
        out.sample("authkit_info", ["version": Version.string], 1)
        out.family("process_resident_memory_bytes", "gauge", "Resident memory of this instance.")
        out.sample("process_resident_memory_bytes", [:], Self.residentBytes())
        return out.text
    }

    /// The second field of /proc/self/statm, in pages.
    static func residentBytes() -> UInt64 {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 128)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return 0 }
        let fields = String(cString: buffer).split(separator: " ")
        guard fields.count > 1, let pages = UInt64(fields[1]) else { return 0 }
        return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    }
}
