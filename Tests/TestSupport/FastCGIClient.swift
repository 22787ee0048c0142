import Foundation

/// A minimal FastCGI client (responder role) for talking to `authkit serve` without nginx:
/// socket modes, clients that vanish, and requests that are still in flight at SIGTERM.
public final class FastCGIClient {
    private let fd: Int32

    public init(unixPath: String) throws {
        fd = try Sockets.connectUnix(path: unixPath, timeout: 30)
    }

    public init(tcpPort: Int) throws {
        fd = try Sockets.connectTCP(port: tcpPort, timeout: 30)
    }

    deinit { close(fd) }

    /// Sends BEGIN_REQUEST and PARAMS; the body follows with `sendBody`.
    /// `extra` parameters follow the standard ones, in order (duplicates allowed).
    public func begin(method: String, uri: String, contentLength: Int = 0, contentType: String? = nil,
                      extra: [(String, String)] = []) {
        var params: [(String, String)] = [("REQUEST_METHOD", method), ("REQUEST_URI", uri), ("CONTENT_LENGTH", String(contentLength))]
        if let contentType { params.append(("CONTENT_TYPE", contentType)) }
        params += extra
        write(record(type: 1, content: [0, 1, 0, 0, 0, 0, 0, 0]))  // BEGIN_REQUEST, role responder, no keep-alive
        var encoded: [UInt8] = []
        for (k, v) in params {
            encoded += length(k.utf8.count) + length(v.utf8.count) + Array(k.utf8) + Array(v.utf8)
        }
        write(record(type: 4, content: encoded))
        write(record(type: 4, content: []))
    }

    /// Sends body bytes; `end` closes the stdin stream.
    public func sendBody(_ bytes: [UInt8], end: Bool = true) {
        if !bytes.isEmpty { write(record(type: 5, content: bytes)) }
        if end { write(record(type: 5, content: [])) }
    }

    /// Reads records until END_REQUEST; returns the stdout stream (CGI headers and body).
    public func readResponse() throws -> String {
        var stdout: [UInt8] = []
        while true {
            let header = try readExactly(8)
            let length = Int(header[4]) << 8 | Int(header[5])
            let padding = Int(header[6])
            let content = try readExactly(length + padding)
            if header[1] == 6 { stdout += content.prefix(length) }
            if header[1] == 3 { break }
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: max(count, 1))
        while out.count < count {
            let n = recv(fd, &buffer, count - out.count, 0)
            guard n > 0 else { throw CommandFailure(command: "fastcgi recv", status: errno, output: String(decoding: out, as: UTF8.self)) }
            out += buffer[0..<n]
        }
        return out
    }

    private func write(_ bytes: [UInt8]) {
        try? Sockets.sendAll(fd, bytes)
    }

    private func record(type: UInt8, content: [UInt8]) -> [UInt8] {
        [1, type, 0, 1, UInt8(content.count >> 8), UInt8(content.count & 0xFF), 0, 0] + content
    }

    private func length(_ n: Int) -> [UInt8] {
        n < 128 ? [UInt8(n)] : [UInt8(0x80 | (n >> 24)), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
    }
}
