import Foundation

/// Runs bodies on dedicated threads, all released at once: real concurrency for race tests
/// (GCD's pool does not grow for threads blocked in socket reads).
public enum Concurrently {
    /// Starts `count` threads running `body(i)`; returns a handle to wait for all of them.
    public static func start(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> Group {
        let group = Group(count)
        let gate = DispatchSemaphore(value: 0)
        for i in 0..<count {
            let thread = Thread {
                gate.wait()
                body(i)
                group.done.signal()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        for _ in 0..<count { gate.signal() }
        return group
    }

    /// Runs `count` bodies at once and waits for all.
    public static func run(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        start(count, body).wait()
    }

    public final class Group: Sendable {
        let count: Int
        let done = DispatchSemaphore(value: 0)
        init(_ count: Int) { self.count = count }
        public func wait() { for _ in 0..<count { done.wait() } }
    }
}
