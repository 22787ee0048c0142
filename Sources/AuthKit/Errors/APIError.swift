/// An error a client is meant to see: it carries its status, its DRF-shaped body and any extra
/// headers. `ErrorRenderer` is the single place that turns errors into responses.
public struct APIError: Error, Sendable {
    public let status: HTTPStatus
    public let body: JSONValue
    public var headers: [(name: String, value: String)]

    public init(status: HTTPStatus, body: JSONValue, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    /// `{"detail": message}` (plus `code` when given).
    public static func detail(_ status: HTTPStatus, _ message: String, code: String? = nil) -> APIError {
        var object: JSONObject = ["detail": .string(message)]
        if let code { object.append("code", .string(code)) }
        return APIError(status: status, body: .object(object))
    }

    /// 400 `{"non_field_errors": [message]}`.
    public static func nonField(_ message: String) -> APIError {
        APIError(status: .badRequest, body: .object(["non_field_errors": [.string(message)]]))
    }

    /// 400 with one key per failing field.
    public static func fields(_ errors: FieldErrors) -> APIError {
        APIError(status: .badRequest, body: errors.json)
    }

    public static func field(_ name: String, _ message: String) -> APIError {
        var errors = FieldErrors()
        errors.add(name, [message])
        return fields(errors)
    }

    public static let notFound = detail(.notFound, "Not found.")
    public static let notAcceptable = detail(.notAcceptable, "Could not satisfy the request Accept header.")
    public static let payloadTooLarge = detail(.payloadTooLarge, "Request body is too large.")
    public static let serviceUnavailable = detail(.serviceUnavailable,
                                                  "Service temporarily unavailable, try again later.")
    public static let serverError = detail(.internalServerError, "A server error occurred.")

    public static func methodNotAllowed(_ method: HTTPMethod) -> APIError {
        detail(.methodNotAllowed, "Method \"\(method.name)\" not allowed.")
    }

    public static func unsupportedMediaType(_ contentType: String) -> APIError {
        detail(.unsupportedMediaType, "Unsupported media type \"\(contentType)\" in request.")
    }

    /// 400 `JSON parse error - <Python json message>`.
    public static func jsonParse(_ message: String) -> APIError {
        detail(.badRequest, "JSON parse error - \(message)")
    }

    public var response: HTTPResponse {
        .json(status, body, headers: headers)
    }
}
