#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The listening socket that FastCGI requests arrive on.
///
/// A unix socket is created under a temporary name, given its permissions, and then
/// `rename()`d into place, so a restarting instance never leaves a window in which the
/// path is missing (FCGX_OpenSocket unlinks first and calls `exit()` when bind fails).
public final class Listener: Sendable {
    public enum Kind: Sendable, Equatable {
        case unix(path: String)
        case tcp(host: String, port: Int)
        case inherited(fd: Int32)
    }

    public let fd: Int32
    public let kind: Kind
    /// Inode of the socket file we created, so we only unlink a path that is still ours.
    private let inode: UInt64?
    /// Set once the queue has been shut (`closeQueue`), so it is shut only once.
    private let queueClosed = Atomic<Bool>(false)

    private init(fd: Int32, kind: Kind, inode: UInt64?) {
        self.fd = fd
        self.kind = kind
        self.inode = inode
    }

    /// Binds a unix socket at `path` with permission bits `mode`.
    public static func unix(path: String, mode: mode_t, backlog: Int32) throws(SystemError) -> Listener {
        let fd = try syscall("socket", socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0))
        let temporary = path + ".\(getpid()).tmp"
        do {
            unlink(temporary)
            try bindUnix(fd: fd, path: temporary)
            try syscall("chmod \(temporary)", chmod(temporary, mode))
            try syscall("listen", listen(fd, backlog))
            try syscall("rename \(temporary) -> \(path)", rename(temporary, path))
        } catch {
            unlink(temporary)
            Glibc.close(fd)
            throw error
        }
        var st = stat()
        let inode: UInt64? = stat(path, &st) == 0 ? UInt64(st.st_ino) : nil
        return Listener(fd: fd, kind: .unix(path: path), inode: inode)
    }

    /// Binds a TCP socket (IPv4 or IPv6 literal host).
    public static func tcp(host: String, port: Int, backlog: Int32) throws(SystemError) -> Listener {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        var info: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &info)
        guard status == 0, let first = info else { throw SystemError(call: "getaddrinfo \(host)", errno: EINVAL) }
        defer { freeaddrinfo(info) }
        let fd = try syscall("socket", socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0))
        do {
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            try syscall("bind \(host):\(port)", bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen))
            try syscall("listen", listen(fd, backlog))
        } catch {
            Glibc.close(fd)
            throw error
        }
        return Listener(fd: fd, kind: .tcp(host: host, port: port), inode: nil)
    }

    /// Uses a socket handed over by the parent: fd 0 (spawn-fcgi, systemd `StandardInput=socket`)
    /// or fd 3 (systemd socket activation with `LISTEN_FDS`).
    public static func inherited(fd: Int32) throws(SystemError) -> Listener {
        guard isListeningSocket(fd) else { throw SystemError(call: "inherited fd \(fd) is not a listening socket", errno: ENOTSOCK) }
        return Listener(fd: fd, kind: .inherited(fd: fd), inode: nil)
    }

    /// The fd systemd passed with socket activation, if any (`LISTEN_PID`/`LISTEN_FDS`).
    public static func systemdActivatedFD() -> Int32? {
        guard let pidText = getenv("LISTEN_PID"), let fdsText = getenv("LISTEN_FDS"),
              Int32(String(cString: pidText)) == getpid(), let count = Int(String(cString: fdsText)), count >= 1
        else { return nil }
        return 3
    }

    /// True when `fd` is a socket in the listening state.
    public static func isListeningSocket(_ fd: Int32) -> Bool {
        var accepting: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 && accepting != 0
    }

    /// Whether what is queued when new connections stop can still be drained: not for a socket
    /// handed over by the parent (systemd keeps it, and its queue, for the next start).
    public var drainsOnShutdown: Bool {
        if case .inherited = kind { return false }
        return true
    }

    /// The first step of a graceful stop: new connections fail at once, so nginx tries the next
    /// server of its upstream (a failed connect is retried for every method, as nothing was
    /// sent), while connections already queued stay acceptable. A unix socket loses its path
    /// (if still ours) and is shut for reading, which Linux turns into ECONNREFUSED for new
    /// connects while `accept()` still returns the queued ones. Returns false when that is not
    /// possible: a TCP listener drops its queue when shut, so it is shut by `closeQueue` once
    /// the queue is found empty; an inherited socket is left alone.
    @discardableResult
    public func refuseNewConnections() -> Bool {
        guard case .unix = kind else { return false }
        removeOwnPath()
        return Glibc.shutdown(fd, Int32(SHUT_RD)) == 0
    }

    /// True when a connection waits in the TCP queue now (a listening socket polls readable only
    /// then). A failed accept is not proof of an empty queue (accept(2) also fails with EINTR,
    /// EMFILE or ENOBUFS, and libfcgi returns those), so draining asks this before it shuts the
    /// queue. Always false for the other kinds and once the queue is shut (a shut socket polls
    /// readable for good).
    public var hasQueuedConnection: Bool {
        guard case .tcp = kind, !queueClosed.load(ordering: .acquiring) else { return false }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 1 && entry.revents & Int16(POLLIN) != 0
    }

    /// Called when draining found the queue empty: a TCP listener stops listening now (new
    /// connects are refused). Only a connection that arrives between that empty `accept()` and
    /// this call is reset. Nothing to do for the other kinds. True only for the call that shut it.
    @discardableResult
    public func closeQueue() -> Bool {
        guard case .tcp = kind, !queueClosed.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
        return true
    }

    /// Closes the socket; a unix socket path is removed only if it is still the one we created
    /// (a newer instance may already have renamed its own socket over it).
    public func close() {
        if case .inherited = kind { return }
        Glibc.close(fd)
        removeOwnPath()
    }

    private func removeOwnPath() {
        if case .unix(let path) = kind, let inode {
            var st = stat()
            if stat(path, &st) == 0, UInt64(st.st_ino) == inode { unlink(path) }
        }
    }

    private static func bindUnix(fd: Int32, path: String) throws(SystemError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw SystemError(call: "socket path too long: \(path)", errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try syscall("bind \(path)", result)
    }
}
