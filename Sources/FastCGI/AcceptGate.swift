import CFastCGI
#if canImport(Glibc)
import Glibc
#endif

/// Waits until the listening socket has a connection to accept, or the server is stopping.
///
/// SIGTERM does not wake threads blocked in `FCGX_Accept_r`, and `shutdown()` on the listening
/// socket would also break a socket shared with systemd. So the socket is made non-blocking and
/// each worker waits in its own epoll set on the socket (EPOLLEXCLUSIVE: one connection wakes
/// one worker) and on the shared `WakeEvent`. A worker that loses the race to `accept()` gets
/// EAGAIN and waits again. Created and used by one worker thread.
public final class AcceptGate {
    private let epoll: Int32
    private let wakeFD: Int32

    public init(listener: Listener, wake: WakeEvent) throws(SystemError) {
        let flags = fcntl(listener.fd, F_GETFL)
        if flags & O_NONBLOCK == 0 { _ = fcntl(listener.fd, F_SETFL, flags | O_NONBLOCK) }
        epoll = try syscall("epoll_create1", epoll_create1(Int32(EPOLL_CLOEXEC)))
        wakeFD = wake.fd
        var listenEvent = epoll_event()
        listenEvent.events = EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue
        listenEvent.data.fd = listener.fd
        var wakeEvent = epoll_event()
        wakeEvent.events = EPOLLIN.rawValue
        wakeEvent.data.fd = wake.fd
        do {
            try syscall("epoll_ctl(listener)", epoll_ctl(epoll, EPOLL_CTL_ADD, listener.fd, &listenEvent))
            try syscall("epoll_ctl(wake)", epoll_ctl(epoll, EPOLL_CTL_ADD, wake.fd, &wakeEvent))
        } catch {
            close(epoll)
            throw error
        }
    }

    deinit { close(epoll) }

    /// Blocks until a connection may be waiting (true) or the wake event fired (false).
    public func wait() -> Bool {
        var events = (epoll_event(), epoll_event())
        while true {
            let n = withUnsafeMutableBytes(of: &events) { raw in
                epoll_wait(epoll, raw.baseAddress!.assumingMemoryBound(to: epoll_event.self), 2, -1)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            if events.0.data.fd == wakeFD || (n > 1 && events.1.data.fd == wakeFD) { return false }
            if n > 0 { return true }
        }
    }
}
