/// A response before it is framed for FastCGI.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    /// Extra headers, in order (several `Set-Cookie` lines are allowed).
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Nil for an empty response without a Content-Type (204, 301).
    public var contentType: String?

    public init(status: HTTPStatus, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                contentType: String? = "application/json") {
        self.status = status
        self.headers = headers
        self.body = body
        self.contentType = contentType
    }

    /// A JSON response (compact, insertion-ordered keys).
    public static func json(_ status: HTTPStatus, _ value: JSONValue, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: JSONWriter.encode(value))
    }

    public static func json(_ status: HTTPStatus, _ object: JSONObject, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        json(status, .object(object), headers: headers)
    }

    public mutating func addHeader(_ name: String, _ value: String) {
        headers.append((name, value))
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Headers sent on every answer of the application (API.md §1.4), plus `no-store` because
    /// bodies carry tokens that no cache should keep.
    static let securityHeaders: [(String, String)] = [
        ("Vary", "Accept"),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cache-Control", "no-store"),
    ]

    /// `securityHeaders` already framed, for the common response without headers of its own.
    static let securityHeaderBlock: [UInt8] = securityHeaders.flatMap { Array("\($0.0): \($0.1)\r\n".utf8) }

    /// The CGI response block (`Status:` line, headers, blank line) followed by the body.
    /// `includeBody` is false for HEAD: the length still describes the GET body.
    public func serialized(includeBody: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(320 + body.count)
        func line(_ name: String, _ value: String) {
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            // A CR or LF inside a value would split the header block: drop them.
            for b in value.utf8 where b != 0x0D && b != 0x0A { out.append(b) }
            out.append(contentsOf: "\r\n".utf8)
        }
        line("Status", "\(status.code) \(status.reason)")
        if let contentType { line("Content-Type", contentType) }
        line("Content-Length", String(body.count))
        for (name, value) in headers { line(name, value) }
        if headers.isEmpty {
            out.append(contentsOf: Self.securityHeaderBlock)
        } else {
            for (name, value) in Self.securityHeaders where !headers.contains(where: { $0.name == name }) {
                line(name, value)
            }
        }
        out.append(contentsOf: "\r\n".utf8)
        if includeBody { out.append(contentsOf: body) }
        return out
    }
}
