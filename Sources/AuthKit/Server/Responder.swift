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

        let limit = application.settings.maxBodySize
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

    /// Reads the CGI parameters nginx sends (see nginx/authkit.conf).
    static func decode(_ c: Connection) -> HTTPRequest {
        let uri = c.parameter("REQUEST_URI") ?? c.parameter("DOCUMENT_URI") ?? c.parameter("SCRIPT_NAME") ?? "/"
        let (path, query) = HTTPRequest.splitURI(uri)
        let length = c.parameter("CONTENT_LENGTH").flatMap { Int($0) }.map { max(0, $0) } ?? 0
        let contentType = c.parameter("CONTENT_TYPE").flatMap { $0.isEmpty ? nil : $0 }
        var requestID = c.parameter("REQUEST_ID") ?? ""
        if requestID.isEmpty { requestID = Hex.encode(SecureRandom.bytes(16)) }
        return HTTPRequest(
            method: HTTPMethod(c.parameter("REQUEST_METHOD") ?? "GET"),
            path: path,
            query: query,
            contentType: contentType,
            contentLength: length,
            headers: .init(
                authorization: c.parameter("HTTP_AUTHORIZATION"),
                cookie: c.parameter("HTTP_COOKIE"),
                accept: c.parameter("HTTP_ACCEPT"),
                userAgent: c.parameter("HTTP_USER_AGENT"),
                forwardedFor: c.parameter("HTTP_X_FORWARDED_FOR"),
                origin: c.parameter("HTTP_ORIGIN")),
            remoteAddress: c.parameter("REMOTE_ADDR") ?? "",
            requestID: requestID)
    }

    static func milliseconds(_ micros: UInt64) -> String {
        let fraction = micros % 1000
        let pad = fraction < 10 ? "00" : fraction < 100 ? "0" : ""
        return "\(micros / 1000).\(pad)\(fraction)"
    }
}
