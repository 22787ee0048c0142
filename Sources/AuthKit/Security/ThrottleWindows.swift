import PostgreSQL

/// A rate: `requests` per `period` seconds.
public struct ThrottleRate: Sendable, Equatable {
    public let requests: Int
    public let period: Int64

    public init(requests: Int, period: Int64) {
        self.requests = requests
        self.period = period
    }
}

/// Rate limits counted in PostgreSQL (`throttle_windows`), so N instances behind one load
/// balancer give a client the rate once, not N times. One atomic upsert per limited request:
/// a sliding-window estimate (the current fixed window plus the previous one weighted by how
/// much of it still overlaps the sliding window), which never lets more than the rate through
/// in any period and refuses without counting.
public struct ThrottleWindows {
    let connection: PGConnection

    public init(_ connection: PGConnection) { self.connection = connection }

    /// `$1` key, `$2` current window start, `$3` limit, `$4` period, `$5` weight of the previous window.
    static let hit = PGStatement("throttle_hit", """
        WITH prev AS (
            SELECT coalesce(max(hits), 0) * $5::float8 AS weighted
            FROM throttle_windows WHERE key = $1 AND window_start = $2::bigint - $4::bigint
        )
        INSERT INTO throttle_windows AS t (key, window_start, hits)
        SELECT $1, $2, 1 FROM prev WHERE prev.weighted + 1 <= $3
        ON CONFLICT (key, window_start) DO UPDATE SET hits = t.hits + 1
            WHERE t.hits + 1 + (SELECT weighted FROM prev) <= $3
        RETURNING hits
        """)
    static let state = PGStatement("throttle_state", """
        SELECT coalesce(max(hits) FILTER (WHERE window_start = $2), 0),
            coalesce(max(hits) FILTER (WHERE window_start < $2), 0)
        FROM throttle_windows WHERE key = $1 AND window_start IN ($2::bigint, $2::bigint - $3::bigint)
        """)
    static let purge = PGStatement("throttle_purge",
                                   Purge.sql("throttle_windows", where: "window_start < $1", limitParameter: 2))

    /// Counts one request for `key`; nil when it is allowed, else the seconds until it would be.
    public func hit(_ key: String, rate: ThrottleRate, now: UnixTime) throws -> Int64? {
        let periodMicros = rate.period * 1_000_000
        let start = now.microseconds / periodMicros * rate.period
        let elapsed = Double(now.microseconds - start * 1_000_000) / Double(periodMicros)
        let weight = max(0, 1 - elapsed)
        if try connection.execute(Self.hit, [key, start, rate.requests, rate.period, String(weight)]).rowCount == 1 {
            return nil
        }
        let r = try connection.execute(Self.state, [key, start, rate.period])
        let current = r.int(0, 0) ?? rate.requests
        let previous = r.int(0, 1) ?? 0
        let windowEnd = Double(start + rate.period)
        let nowSeconds = Double(now.microseconds) / 1_000_000
        var until = windowEnd
        if current + 1 <= rate.requests && previous > 0 {
            // The previous window's weight has to fall far enough for one more request.
            let allowedWeight = Double(rate.requests - current - 1) / Double(previous)
            until = Double(start) + Double(rate.period) * (1 - allowedWeight)
        }
        return max(1, Int64((until - nowSeconds).rounded(.up)))
    }

    /// Deletes windows that can no longer count (older than `before`, unix seconds); returns how many.
    @discardableResult
    public func purge(before: Int64, limit: Int) throws -> Int {
        try connection.execute(Self.purge, [before, limit]).affectedRows
    }
}

extension IPRange {
    /// The network a client address is counted under: the address with only its first
    /// `v4Prefix` / `v6Prefix` bits kept (an IPv6 client rotates freely within its /64), as
    /// `address/prefix`; the text itself for what is not an address (a unix-socket peer).
    public static func network(of address: String, v4Prefix: Int, v6Prefix: Int) -> String {
        guard var bytes = parse(address) else { return address }
        let prefix = bytes.count == 4 ? v4Prefix : v6Prefix
        for i in 0..<bytes.count {
            let keep = max(0, min(8, prefix - i * 8))
            bytes[i] &= keep == 8 ? 0xFF : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        return format(bytes) + "/\(prefix)"
    }

    static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        for i in stride(from: 0, to: 16, by: 2) {
            groups.append(String(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]), radix: 16))
        }
        return groups.joined(separator: ":")
    }
}
