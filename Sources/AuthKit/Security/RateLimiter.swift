import Synchronization

/// DRF's SimpleRateThrottle for the `auth_kit` scope, per client address and per instance:
/// a sliding window of request times; the answer beyond the rate is 429
/// `Request was throttled. Expected available in N seconds.` with Retry-After.
public final class RateLimiter: Sendable {
    let requests: Int
    let period: Int64
    private let history = Mutex<[String: [Int64]]>([:])
    /// Bounds memory under address-spoofing floods: past this many keys, expired ones are swept.
    static let sweepThreshold = 50_000

    public init(requests: Int, period: Int64) {
        self.requests = requests
        self.period = period
    }

    /// Nil when allowed (and counted); otherwise the seconds to wait.
    public func wait(for key: String, nowMicros: Int64) -> Int64? {
        let window = period * 1_000_000
        return history.withLock { table -> Int64? in
            if table.count > Self.sweepThreshold {
                table = table.filter { $0.value.first.map { nowMicros - $0 < window } ?? false }
            }
            var times = table[key] ?? []
            // Newest first, as DRF keeps it.
            while let oldest = times.last, oldest <= nowMicros - window { times.removeLast() }
            if times.count >= requests {
                table[key] = times
                let remaining = window - (nowMicros - times.last!)
                return max(1, (remaining + 999_999) / 1_000_000)
            }
            times.insert(nowMicros, at: 0)
            table[key] = times
            return nil
        }
    }
}

extension APIError {
    /// DRF's Throttled: 429 with the wait in the message and Retry-After (no wait: locked).
    public static func throttled(wait: Int64?) -> APIError {
        guard let wait else { return detail(.tooManyRequests, "Request was throttled.") }
        var error = detail(.tooManyRequests, "Request was throttled. Expected available in \(wait) second\(wait == 1 ? "" : "s").")
        error.headers.append(("Retry-After", String(wait)))
        return error
    }
}
