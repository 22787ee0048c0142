/// Turns a request body into a JSON value the way DRF's parsers do (API.md §1.1): JSON,
/// form-encoded and multipart bodies; an empty body is `{}`; anything else is 415.
enum BodyParser {
    /// Fields a body may have in all (Django's DATA_UPLOAD_MAX_NUMBER_FIELDS): this API's
    /// bodies have a handful, and thousands of keys would cost far more to parse than their bytes.
    static let maximumFields = 1000
    static let tooManyFields = APIError.detail(
        .badRequest, "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS.")

    static func parse(_ request: HTTPRequest) throws(APIError) -> JSONValue {
        // DRF looks at the body only when there is one: an empty body is an empty object
        // whatever the Content-Type says.
        if request.body.isEmpty { return .object(JSONObject()) }
        guard let rawType = request.contentType, let media = MediaType(rawType) else {
            throw .unsupportedMediaType(request.contentType ?? "")
        }
        if media.matches("application", "json") {
            let text = try decodeCharset(request.body, charset: media.parameter("charset"))
            do {
                return try JSONParser.parse(text, maximumMembers: maximumFields)
            } catch {
                throw .jsonParse(error.message)
            }
        }
        if media.matches("application", "x-www-form-urlencoded") {
            do {
                return .object(try FormURLEncoded.parse(request.body, maximumFields: maximumFields))
            } catch {
                throw tooManyFields
            }
        }
        if media.matches("multipart", "form-data") {
            return .object(try Multipart.parse(request.body, boundary: media.parameter("boundary")))
        }
        throw .unsupportedMediaType(rawType)
    }

    /// JSON bodies are UTF-8 unless the Content-Type names Latin-1 or ASCII (Python decodes
    /// with the charset given). The result is always UTF-8.
    private static func decodeCharset(_ body: [UInt8], charset: String?) throws(APIError) -> [UInt8] {
        guard let charset = charset?.lowercased(), !charset.isEmpty else { return body }
        switch charset {
        case "utf-8", "utf8", "utf_8":
            return body
        case "latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1":
            var out: [UInt8] = []
            out.reserveCapacity(body.count)
            for b in body { appendUTF8(Unicode.Scalar(b), to: &out) }
            return out
        case "ascii", "us-ascii":
            if let i = body.firstIndex(where: { $0 >= 0x80 }) {
                let hex = String(body[i], radix: 16)
                throw .jsonParse("'ascii' codec can't decode byte 0x\(hex) in position \(i): ordinal not in range(128)")
            }
            return body
        default:
            throw .jsonParse("unknown encoding: \(charset)")
        }
    }
}
