import Synchronization

/// Which worker threads of this instance hold a live PostgreSQL connection, for healthz:
/// the worker that answers a health check only knows its own connection, and an instance
/// whose other workers lost theirs (connection slots ran out, backends terminated) would
/// otherwise report `ok` while most of its requests get 503.
///
/// Each worker writes its own slot only when its state changes (`Database`), so the lock is
/// taken on connects and losses, never per request.
public final class ConnectionBoard: Sendable {
    private let slots: Mutex<[Bool]>

    public init(workers: Int) {
        // Optimistic until each worker's first connect: a worker still starting up is not a
        // lost connection, and healthz's own check covers a database that is down.
        slots = Mutex([Bool](repeating: true, count: max(workers, 0)))
    }

    func set(_ slot: Int, live: Bool) {
        slots.withLock { slots in
            if slots.indices.contains(slot) { slots[slot] = live }
        }
    }

    /// Live connections and slots (one per worker).
    public var counts: (live: Int, total: Int) {
        slots.withLock { slots in (slots.filter { $0 }.count, slots.count) }
    }
}
