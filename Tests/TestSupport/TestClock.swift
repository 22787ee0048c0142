import AuthKit
import Synchronization

/// A clock the test moves by hand: time windows are tested without sleeping.
public final class TestClock: TimeSource, Sendable {
    private let current: Mutex<Int64>

    public init(seconds: Int64) { current = Mutex(seconds * 1_000_000) }

    public func now() -> UnixTime { UnixTime(microseconds: current.withLock { $0 }) }

    public func advance(seconds: Int64) { current.withLock { $0 += seconds * 1_000_000 } }

    public var seconds: Int64 { now().seconds }
}
