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
///
/// The set also holds the worker's database socket while it is idle (`watch`): a session the
/// server ends (`pg_terminate_backend`, a restart) is noticed at once instead of at the next
/// request, so healthz counts it and the worker reconnects in the background.
public final class AcceptGate {
    private let epoll: Int32
    private let wakeFD: Int32
    private let listenFD: Int32
    private var watched: (fd: Int32, generation: Int)?

    public enum Event {
        /// A connection may be waiting on the listening socket.
        case connection
        /// The wake event fired: the server is stopping.
        case wake
        /// The watched socket is readable (or closed by its peer).
        case watched
        /// The timeout passed.
        case timeout
    }

    public init(listener: Listener, wake: WakeEvent) throws(SystemError) {
        let flags = fcntl(listener.fd, F_GETFL)
        if flags & O_NONBLOCK == 0 { _ = fcntl(listener.fd, F_SETFL, flags | O_NONBLOCK) }
        epoll = try syscall("epoll_create1", epoll_create1(Int32(EPOLL_CLOEXEC)))
        wakeFD = wake.fd
        listenFD = listener.fd
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

    /// Watches `socket` (nil: nothing) from now on. `generation` tells a new socket that got
    /// the old one's number apart from the old one (whose registration ended when it closed).
    public func watch(_ socket: (fd: Int32, generation: Int)?) {
        if let watched, let socket, watched == socket { return }
        if let old = watched {
            // Fails harmlessly (ENOENT, EBADF) when the old socket is already closed.
            _ = epoll_ctl(epoll, EPOLL_CTL_DEL, old.fd, nil)
            watched = nil
        }
        guard let socket else { return }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
        event.data.fd = socket.fd
        if epoll_ctl(epoll, EPOLL_CTL_ADD, socket.fd, &event) == 0
            || (errno == EEXIST && epoll_ctl(epoll, EPOLL_CTL_MOD, socket.fd, &event) == 0) {
            watched = socket
        }
    }

    /// Blocks until a connection may be waiting (true) or the wake event fired (false).
    public func wait() -> Bool {
        while true {
            switch wait(timeoutMilliseconds: -1) {
            case .connection: return true
            case .wake: return false
            case .watched, .timeout: continue
            }
        }
    }

    /// Blocks until one of the events, at most `timeoutMilliseconds` (-1: no limit). The wake
    /// event wins over the others.
    public func wait(timeoutMilliseconds: Int32) -> Event {
        var events = (epoll_event(), epoll_event(), epoll_event())
        while true {
            let n = withUnsafeMutableBytes(of: &events) { raw in
                epoll_wait(epoll, raw.baseAddress!.assumingMemoryBound(to: epoll_event.self), 3, timeoutMilliseconds)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return .wake
            }
            if n == 0 { return .timeout }
            let fds = [events.0.data.fd, events.1.data.fd, events.2.data.fd].prefix(Int(n))
            if fds.contains(wakeFD) { return .wake }
            if fds.contains(listenFD) { return .connection }
            return .watched
        }
    }
}
