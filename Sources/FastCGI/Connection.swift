import CFastCGI
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide libfcgi initialisation; call once before any `Connection` accepts.
public enum FastCGI {
    public static func initialize() {
        _ = FCGX_Init()
    }
}

/// One worker thread's FastCGI request slot. It owns its `FCGX_Request` (allocated at a
/// stable address, as libfcgi keeps pointers into it) and frees it in `deinit`.
/// Not Sendable: created and used by a single thread.
public final class Connection {
    private let request: UnsafeMutablePointer<FCGX_Request>

    public init(listener: Listener) {
        request = .allocate(capacity: 1)
        request.initialize(to: FCGX_Request())
        // FCGI_FAIL_ACCEPT_ON_INTR: a signal aimed at this thread makes accept() return,
        // which is how shutdown wakes idle workers.
        FCGX_InitRequest(request, listener.fd, FCGI_FAIL_ACCEPT_ON_INTR)
    }

    deinit {
        FCGX_Free(request, 1)
        request.deinitialize(count: 1)
        request.deallocate()
    }

    /// Waits for the next request. False when accepting failed (shutdown, or a socket error).
    public func accept() -> Bool {
        FCGX_Accept_r(request) >= 0
    }

    /// The values of `names` (nil where absent), in their order, from one pass over the
    /// parameter list instead of one `FCGX_GetParam` scan per name. The first occurrence wins,
    /// as with `FCGX_GetParam`. Each entry's name is compared only with the wanted names of the
    /// same length.
    public func parameters(_ names: ParameterNames) -> [String?] {
        var values = [String?](repeating: nil, count: names.lengths.count)
        guard var p = request.pointee.envp else { return values }
        var missing = names.lengths.count
        names.bytes.withUnsafeBufferPointer { flat in
            while missing > 0, let entry = p.pointee {
                p += 1
                guard let equals = strchr(entry, Int32(UInt8(ascii: "="))) else { continue }
                let length = entry.distance(to: equals)
                for i in 0..<names.lengths.count where names.lengths[i] == length && values[i] == nil {
                    guard memcmp(entry, flat.baseAddress! + names.starts[i], length) == 0 else { continue }
                    values[i] = String(cString: equals + 1)
                    missing -= 1
                    break
                }
            }
        }
        return values
    }

    /// Reads up to `count` bytes of the request body; fewer when the body ends early.
    public func read(count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        var total = 0
        buffer.withUnsafeMutableBufferPointer { raw in
            let base = UnsafeMutableRawPointer(raw.baseAddress!).assumingMemoryBound(to: CChar.self)
            while total < count {
                let chunk = Int32(min(count - total, 1 << 20))
                let n = FCGX_GetStr(base + total, chunk, request.pointee.in)
                if n <= 0 { break }
                total += Int(n)
            }
        }
        if total < count { buffer.removeSubrange(total...) }
        return buffer
    }

    /// Reads and discards up to `limit` bytes of body (so the web server can finish sending
    /// it), without keeping it in memory. Returns the number of bytes discarded.
    @discardableResult
    public func discard(limit: Int) -> Int {
        var scratch = [CChar](repeating: 0, count: 16 * 1024)
        var total = 0
        while total < limit {
            let n = scratch.withUnsafeMutableBufferPointer {
                FCGX_GetStr($0.baseAddress, Int32(min($0.count, limit - total)), request.pointee.in)
            }
            if n <= 0 { break }
            total += Int(n)
        }
        return total
    }

    /// Writes the whole response (CGI header block and body) in one call.
    /// False when the web server has gone away (EPIPE): the caller just carries on.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return true }
        return bytes.withUnsafeBufferPointer { raw in
            let base = UnsafeRawPointer(raw.baseAddress!).assumingMemoryBound(to: CChar.self)
            return FCGX_PutStr(base, Int32(raw.count), request.pointee.out) == Int32(raw.count)
        }
    }

    /// True after `finish()` when nginx asked to keep the connection (`fastcgi_keep_conn on`):
    /// the next `accept()` then waits for nginx's next request on it, however long that takes.
    public var holdsKeptConnection: Bool {
        request.pointee.ipcFd >= 0
    }

    /// Closes a kept connection between requests (a stopping worker must not wait on it).
    public func dropKeptConnection() {
        FCGX_Free(request, 1)
    }

    /// Flushes and ends the current request, closing the connection unless nginx asked to keep it.
    public func finish() {
        FCGX_Finish_r(request)
    }
}

/// Parameter names prepared for `Connection.parameters(_:)`: their bytes back to back, with
/// each name's start and length.
public struct ParameterNames: Sendable {
    let bytes: [UInt8]
    let starts: [Int]
    let lengths: [Int]

    public init(_ names: [String]) {
        var bytes: [UInt8] = []
        var starts: [Int] = []
        for name in names {
            starts.append(bytes.count)
            bytes.append(contentsOf: name.utf8)
        }
        self.bytes = bytes
        self.starts = starts
        lengths = names.map(\.utf8.count)
    }
}
