import Foundation
import AuthKit

/// A minimal HTTP/1.1 client over a raw loopback socket, so tests control every byte sent
/// (no automatic redirects, headers or encodings) and see every header received.
public struct HTTPClient: Sendable {
    public let port: Int
    /// Prepended to relative paths (those not starting with "/").
    public let prefix: String
    /// The loopback address requests come from (nil: 127.0.0.1): several "clients" on one machine.
    public let source: String?

    public init(port: Int, prefix: String = "/", source: String? = nil) {
        self.port = port
        self.prefix = prefix
        self.source = source
    }

    /// The same client seen from another loopback address.
    public func from(_ source: String) -> HTTPClient { HTTPClient(port: port, prefix: prefix, source: source) }

    public struct Response: Sendable, CustomStringConvertible {
        public let status: Int
        public let headers: [(name: String, value: String)]
        public let body: [UInt8]

        public var text: String { String(decoding: body, as: UTF8.self) }

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        public func headers(named name: String) -> [String] {
            headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
        }

        public var json: JSONValue? { try? JSONParser.parse(body) }

        public var description: String { "\(status) \(text)" }
    }

    public func get(_ path: String, headers: [(String, String)] = []) throws -> Response {
        try send("GET", path, headers: headers)
    }

    /// POSTs a JSON text body.
    public func post(_ path: String, json: String, headers: [(String, String)] = []) throws -> Response {
        try send("POST", path, headers: [("Content-Type", "application/json")] + headers, body: Array(json.utf8))
    }

    public func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws -> Response {
        let target = path.hasPrefix("/") ? path : prefix + path
        // A Host among `headers` replaces the default one (to send a forged Host).
        let host = headers.first { $0.0.lowercased() == "host" }?.1 ?? "127.0.0.1:\(port)"
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
        for (name, value) in headers where name.lowercased() != "host" { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        let raw = try Self.exchange(port: port, Array(head.utf8) + (body ?? []), source: source)
        return try Self.parse(raw, method: method)
    }

    /// Sends `bytes` exactly as given (a request nginx must refuse, say) and parses the answer.
    public func raw(_ bytes: [UInt8], method: String = "GET") throws -> Response {
        try Self.parse(Self.exchange(port: port, bytes, source: source), method: method)
    }

    /// Sends raw bytes and reads until the server closes.
    public static func exchange(port: Int, _ bytes: [UInt8], timeout: Int = 60, source: String? = nil) throws -> [UInt8] {
        let fd = try Sockets.connectTCP(port: port, timeout: timeout, source: source)
        defer { close(fd) }
        try Sockets.sendAll(fd, bytes)
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 { throw CommandFailure(command: "recv (timeout?)", status: errno, output: String(decoding: response, as: UTF8.self)) }
            if n == 0 { break }
            response.append(contentsOf: buffer[0..<n])
        }
        return response
    }

    static func parse(_ raw: [UInt8], method: String) throws -> Response {
        guard let split = find([13, 10, 13, 10], in: raw) else {
            throw CommandFailure(command: "parse HTTP response", status: 1, output: String(decoding: raw, as: UTF8.self))
        }
        let head = String(decoding: raw[..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw CommandFailure(command: "parse status line", status: 1, output: head[0])
        }
        var headers: [(String, String)] = []
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var body = Array(raw[(split + 4)...])
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }) {
            body = dechunk(body)
        }
        return Response(status: status, headers: headers, body: method == "HEAD" ? [] : body)
    }

    static func dechunk(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while let lineEnd = find([13, 10], in: Array(data[i...])) {
            let sizeText = String(decoding: data[i..<(i + lineEnd)], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText, radix: 16), size > 0 else { break }
            let start = i + lineEnd + 2
            out.append(contentsOf: data[start..<min(start + size, data.count)])
            i = start + size + 2
            if i >= data.count { break }
        }
        return out
    }

    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}
