import Foundation

/// Loopback and unix-socket plumbing shared by the test clients.
public enum Sockets {
    /// A connected TCP socket to 127.0.0.1:`port` with a receive timeout; `source` (another
    /// loopback address, e.g. 127.0.0.7) makes it look like another client.
    public static func connectTCP(port: Int, timeout: Int = 60, source: String? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { return try finish(fd, false, "bind \(source)", timeout: nil) }
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return try finish(fd, ok == 0, "connect 127.0.0.1:\(port)", timeout: timeout)
    }

    /// A connected unix socket with a receive timeout.
    public static func connectUnix(path: String, timeout: Int = 60) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = unixAddress(path)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return try finish(fd, ok == 0, "connect \(path)", timeout: timeout)
    }

    /// A listening unix socket, as a spawner such as spawn-fcgi would pass on fd 0.
    public static func listenUnix(path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = unixAddress(path)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return try finish(fd, bound == 0 && listen(fd, 16) == 0, "listen \(path)", timeout: nil)
    }

    public static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw CommandFailure(command: "send", status: errno, output: "") }
            sent += n
        }
    }

    static func unixAddress(_ path: String) -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return addr
    }

    private static func finish(_ fd: Int32, _ ok: Bool, _ what: String, timeout: Int?) throws -> Int32 {
        guard fd >= 0, ok else {
            let code = errno
            if fd >= 0 { close(fd) }
            throw CommandFailure(command: what, status: code, output: String(cString: strerror(code)))
        }
        if let timeout {
            var tv = timeval(tv_sec: timeout, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
        return fd
    }
}
