import CFastCGI
#if canImport(Glibc)
import Glibc
#endif

/// An eventfd that, once fired, stays readable: every worker waiting in `AcceptGate.wait()`
/// wakes up and sees that the server is stopping.
public final class WakeEvent: Sendable {
    let fd: Int32

    public init() throws(SystemError) {
        fd = try syscall("eventfd", eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK)))
    }

    deinit { close(fd) }

    public func fire() {
        var one: UInt64 = 1
        _ = Glibc.write(fd, &one, 8)
    }
}
