import CryptoCore
import FastCGI
import Logging

/// Turns one FastCGI request into an `HTTPRequest`, runs the application, writes the response
/// in a single write, and logs one access line.
struct Responder {
    let application: Application
    let logger: Logger
    let shard: MetricsShard

    func answer(_ connection: Connection, database: Database) {
        let started = MonotonicClock.nanoseconds()
        var request = Self.decode(connection)
        var requestLogger = logger
        requestLogger[metadataKey: "request_id"] = .string(request.requestID)

        let limit = application.settings.server.maxBodySize
        if request.contentLength > limit {
            // Let nginx finish sending the body, without keeping it.
            connection.discard(limit: min(request.contentLength, 64 << 20))
        } else if request.contentLength > 0 {
            request.body = connection.read(count: request.contentLength)
        }

        let (response, route) = application.respond(to: request, database: database, logger: requestLogger, shard: shard)
        let delivered = connection.write(response.serialized(includeBody: request.method != .head))

        let micros = (MonotonicClock.nanoseconds() - started) / 1000
        shard.request(route: route, status: response.status.code, micros: micros)
        // Built only when the access line is written: at level warning (production default
        // for busy instances) this costs nothing.
        guard requestLogger.logLevel <= .info else { return }
        let routeName = route == application.metrics.layout.unrouted ? "-" : application.metrics.layout.routes[route]
        var metadata: Logger.Metadata = [
            "method": .string(request.method.name),
            "route": .string(routeName),
            "status": .stringConvertible(response.status.code),
            "duration_ms": .string(Self.milliseconds(micros)),
        ]
        if !delivered { metadata["client_gone"] = "true" }
        requestLogger.info("request", metadata: metadata)
    }

    /// The parameters read per request, looked up in one pass over nginx's list.
    private enum Parameter: Int, CaseIterable {
        case requestURI, documentURI, scriptName, contentLength, contentType, requestID, requestMethod
        case authorization, cookie, accept, userAgent, origin, remoteAddress
        case referer, secFetchSite, host, scheme, accessControlRequestMethod

        var name: String {
            switch self {
            case .requestURI: "REQUEST_URI"
            case .documentURI: "DOCUMENT_URI"
            case .scriptName: "SCRIPT_NAME"
            case .contentLength: "CONTENT_LENGTH"
            case .contentType: "CONTENT_TYPE"
            case .requestID: "REQUEST_ID"
            case .requestMethod: "REQUEST_METHOD"
            case .authorization: "HTTP_AUTHORIZATION"
            case .cookie: "HTTP_COOKIE"
            case .accept: "HTTP_ACCEPT"
            case .userAgent: "HTTP_USER_AGENT"
            case .origin: "HTTP_ORIGIN"
            case .remoteAddress: "REMOTE_ADDR"
            case .referer: "HTTP_REFERER"
            case .secFetchSite: "HTTP_SEC_FETCH_SITE"
            case .host: "HTTP_HOST"
            case .scheme: "REQUEST_SCHEME"
            case .accessControlRequestMethod: "HTTP_ACCESS_CONTROL_REQUEST_METHOD"
            }
        }
    }
    private static let parameterNames = ParameterNames(Parameter.allCases.map(\.name))

    /// Reads the CGI parameters nginx sends (see nginx/authkit.conf).
    static func decode(_ c: Connection) -> HTTPRequest {
        let values = c.parameters(parameterNames)
        func p(_ name: Parameter) -> String? { values[name.rawValue] }
        let uri = p(.requestURI) ?? p(.documentURI) ?? p(.scriptName) ?? "/"
        let (path, query) = HTTPRequest.splitURI(uri)
        let length = p(.contentLength).flatMap { Int($0) }.map { max(0, $0) } ?? 0
        let contentType = p(.contentType).flatMap { $0.isEmpty ? nil : $0 }
        var requestID = p(.requestID) ?? ""
        if requestID.isEmpty { requestID = Hex.encode(SecureRandom.bytes(16)) }
        return HTTPRequest(
            method: HTTPMethod(p(.requestMethod) ?? "GET"),
            path: path,
            query: query,
            contentType: contentType,
            contentLength: length,
            headers: .init(
                authorization: p(.authorization),
                cookie: p(.cookie),
                accept: p(.accept),
                userAgent: p(.userAgent),
                origin: p(.origin),
                referer: p(.referer),
                secFetchSite: p(.secFetchSite),
                host: p(.host),
                scheme: p(.scheme),
                accessControlRequestMethod: p(.accessControlRequestMethod)),
            remoteAddress: p(.remoteAddress) ?? "",
            requestID: requestID)
    }

    static func milliseconds(_ micros: UInt64) -> String {
        let fraction = micros % 1000
        let pad = fraction < 10 ? "00" : fraction < 100 ? "0" : ""
        return "\(micros / 1000).\(pad)\(fraction)"
    }
}
