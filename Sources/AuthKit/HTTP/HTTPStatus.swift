/// A response status with its reason phrase (sent in the CGI `Status:` header).
public struct HTTPStatus: Equatable, Sendable {
    public let code: Int
    public let reason: String

    /// `Status: <code> <reason>` with its CRLF, framed once per status rather than per response.
    let headerLine: [UInt8]

    public init(_ code: Int, _ reason: String) {
        self.code = code
        self.reason = reason
        headerLine = Array("Status: \(code) \(reason)\r\n".utf8)
    }

    public static let ok = HTTPStatus(200, "OK")
    public static let created = HTTPStatus(201, "Created")
    public static let noContent = HTTPStatus(204, "No Content")
    public static let movedPermanently = HTTPStatus(301, "Moved Permanently")
    public static let badRequest = HTTPStatus(400, "Bad Request")
    public static let unauthorized = HTTPStatus(401, "Unauthorized")
    public static let forbidden = HTTPStatus(403, "Forbidden")
    public static let notFound = HTTPStatus(404, "Not Found")
    public static let methodNotAllowed = HTTPStatus(405, "Method Not Allowed")
    public static let notAcceptable = HTTPStatus(406, "Not Acceptable")
    public static let payloadTooLarge = HTTPStatus(413, "Request Entity Too Large")
    public static let unsupportedMediaType = HTTPStatus(415, "Unsupported Media Type")
    public static let tooManyRequests = HTTPStatus(429, "Too Many Requests")
    public static let internalServerError = HTTPStatus(500, "Internal Server Error")
    public static let notImplemented = HTTPStatus(501, "Not Implemented")
    public static let serviceUnavailable = HTTPStatus(503, "Service Unavailable")
}
