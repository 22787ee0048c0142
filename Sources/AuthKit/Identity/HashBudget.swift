import Dispatch
import Synchronization

/// Bounds slow hashing (passwords, backup codes) per instance: at most `concurrency` hashes
/// run at once and at most `queue` more requests wait for a slot. Anything beyond is refused
/// at once with 503, so a flood of logins can occupy at most `concurrency + queue` workers and
/// every other endpoint keeps answering.
public final class HashBudget: Sendable {
    public let concurrency: Int
    public let queue: Int
    private let timeout: Double
    private let slots: DispatchSemaphore
    private let admitted = Atomic<Int>(0)
    /// Slow hashes computed so far (tests and metrics count work, not time).
    public let computed = Atomic<Int>(0)
    /// Requests turned away because the budget was full.
    public let refused = Atomic<Int>(0)
    /// Hashes running now, and how often a request found every slot taken and waited.
    public let running = Atomic<Int>(0)
    public let waits = Atomic<Int>(0)

    /// Requests admitted but not running yet.
    public var waiting: Int { admitted.load(ordering: .relaxed) - running.load(ordering: .relaxed) }

    /// The budget AUTHKIT_PASSWORD_HASH_* configure.
    public convenience init(_ settings: HashingSettings) {
        self.init(concurrency: settings.concurrency, queue: settings.queue, timeout: settings.queueTimeout)
    }

    public init(concurrency: Int, queue: Int, timeout: Double) {
        self.concurrency = concurrency
        self.queue = queue
        self.timeout = timeout
        slots = DispatchSemaphore(value: concurrency)
    }

    /// Runs `body` (which computes `hashes` slow hashes) in a slot, or throws 503 when the
    /// budget and its queue are full or the wait times out.
    public func run<T>(hashes: Int = 1, _ body: () throws -> T) throws -> T {
        if admitted.add(1, ordering: .relaxed).newValue > concurrency + queue {
            admitted.subtract(1, ordering: .relaxed)
            refused.add(1, ordering: .relaxed)
            throw Self.busy
        }
        defer { admitted.subtract(1, ordering: .relaxed) }
        if slots.wait(timeout: .now()) != .success {
            waits.add(1, ordering: .relaxed)
            guard slots.wait(timeout: .now() + timeout) == .success else {
                refused.add(1, ordering: .relaxed)
                throw Self.busy
            }
        }
        running.add(1, ordering: .relaxed)
        defer {
            running.subtract(1, ordering: .relaxed)
            slots.signal()
        }
        computed.add(hashes, ordering: .relaxed)
        return try body()
    }

    static let busy: APIError = {
        var error = APIError.serviceUnavailable
        error.headers.append(("Retry-After", "1"))
        return error
    }()
}
