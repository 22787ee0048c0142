#if canImport(Glibc)
import Glibc
#endif

/// A point in wall-clock time, in microseconds since the Unix epoch.
public struct UnixTime: Sendable, Comparable, Hashable {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }
    public init(seconds: Int64) { self.microseconds = seconds * 1_000_000 }

    public var seconds: Int64 { microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000 }

    public func adding(seconds: Int64) -> UnixTime { UnixTime(microseconds: microseconds + seconds * 1_000_000) }

    public static func < (lhs: UnixTime, rhs: UnixTime) -> Bool { lhs.microseconds < rhs.microseconds }
}

/// The injectable clock: production reads the system clock, tests fix or advance time.
public protocol TimeSource: Sendable {
    func now() -> UnixTime
}

public struct SystemTime: TimeSource {
    public init() {}
    public func now() -> UnixTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UnixTime(microseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec / 1000))
    }
}
