import Synchronization

/// One monotonically increasing value. Lock-free: a relaxed atomic add, on memory that (for the
/// per-worker shards) only one thread writes, so increments never contend.
public final class Counter: Sendable {
    private let storage = Atomic<UInt64>(0)

    public init() {}

    public func add(_ n: UInt64 = 1) { storage.wrappingAdd(n, ordering: .relaxed) }
    public var value: UInt64 { storage.load(ordering: .relaxed) }
}

extension Array where Element == Counter {
    static func make(_ count: Int) -> [Counter] { (0..<count).map { _ in Counter() } }
}
