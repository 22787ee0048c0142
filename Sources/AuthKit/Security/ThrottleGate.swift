import Synchronization

/// This instance's memory of rate-limit keys that PostgreSQL said were full, and until when.
/// A key refused by the shared windows stays refused here without a round trip until its wait
/// is over: a flood from one client costs the database one statement per wait, not one per
/// request. Only refusals are cached, so instances never let through more than the shared rate.
final class ThrottleGate: Sendable {
    private let refused = Mutex<[String: Int64]>([:])
    /// Bounds memory under a flood of distinct keys: past this, expired entries are dropped,
    /// and if that is not enough the memory starts over (the windows themselves are in the database).
    static let capacity = 10_000

    /// Seconds to wait when `key` is known to be full at `now` (unix seconds), else nil.
    func wait(_ key: String, now: Int64) -> Int64? {
        refused.withLock { table in
            guard let until = table[key] else { return nil }
            if until > now { return until - now }
            table[key] = nil
            return nil
        }
    }

    func remember(_ key: String, until: Int64, now: Int64) {
        refused.withLock { table in
            if table.count >= Self.capacity {
                table = table.filter { $0.value > now }
                if table.count >= Self.capacity { table.removeAll(keepingCapacity: true) }
            }
            table[key] = until
        }
    }
}
