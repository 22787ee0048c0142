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

    static let jsonContentTypeLine = Array("Content-Type: application/json\r\n".utf8)

    /// Appends `name: value` and CRLF. Strings go in through their contiguous UTF-8 (one copy
    /// each), not byte by byte: this runs for every header of every response. A CR or LF inside a
    /// value would split the header block: they are dropped.
    static func appendLine(_ out: inout [UInt8], _ name: String, _ value: String) {
        appendUTF8(&out, name)
        out.append(UInt8(ascii: ":"))
        out.append(UInt8(ascii: " "))
        appendUTF8(&out, value)
        out.append(0x0D)
        out.append(0x0A)
    }

    /// The string's UTF-8 bytes, without CR and LF.
    private static func appendUTF8(_ out: inout [UInt8], _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            if !bytes.contains(where: { $0 == 0x0D || $0 == 0x0A }) {
                out.append(contentsOf: bytes)
            } else {
                for b in bytes where b != 0x0D && b != 0x0A { out.append(b) }
            }
        }
    }

    /// `securityHeaders` already framed, for the common response whose own headers (usually
    /// just `Allow`) override none of them.
    static let securityHeaderBlock: [UInt8] = securityHeaders.flatMap { Array("\($0.0): \($0.1)\r\n".utf8) }

    /// The CGI response block (`Status:` line, headers, blank line) followed by the body.
    /// `includeBody` is false for HEAD: the length still describes the GET body.
    public func serialized(includeBody: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(320 + body.count)
        out.append(contentsOf: status.headerLine)
        if let contentType {
            if contentType == "application/json" {
                out.append(contentsOf: Self.jsonContentTypeLine)
            } else {
                Self.appendLine(&out, "Content-Type", contentType)
            }
        }
        Self.appendLine(&out, "Content-Length", String(body.count))
        for (name, value) in headers { Self.appendLine(&out, name, value) }
        if !headers.contains(where: { header in Self.securityHeaders.contains { $0.0 == header.name } }) {
            out.append(contentsOf: Self.securityHeaderBlock)
        } else {
            for (name, value) in Self.securityHeaders where !headers.contains(where: { $0.name == name }) {
                Self.appendLine(&out, name, value)
            }
        }
        out.append(0x0D)
        out.append(0x0A)
        if includeBody { out.append(contentsOf: body) }
        return out
    }
}
