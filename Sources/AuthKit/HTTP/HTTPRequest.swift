/// One decoded HTTP request, as nginx passed it over FastCGI.
/// Only the headers the service reads are kept.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The raw path from `REQUEST_URI` (before `?`), not yet percent-decoded.
    public var path: String
    /// The raw query string, without `?` (empty when absent).
    public var query: String
    /// `Content-Type` as sent, or nil when absent or empty.
    public var contentType: String?
    /// `Content-Length`: 0 when absent, empty or unparseable (as Django treats it).
    public var contentLength: Int
    public var headers: Headers
    /// The client address nginx saw (`REMOTE_ADDR`).
    public var remoteAddress: String
    /// nginx's `$request_id`, or one made up here when nginx did not send it.
    public var requestID: String
    public var body: [UInt8]

    public struct Headers: Sendable {
        public var authorization: String?
        public var cookie: String?
        public var accept: String?
        public var userAgent: String?
        public var origin: String?
        /// What the browser says about the request's origin (CSRF checks, CORS).
        public var referer: String?
        public var secFetchSite: String?
        public var host: String?
        /// `REQUEST_SCHEME` (http or https), as nginx saw the connection.
        public var scheme: String?
        /// A CORS preflight names the method it asks for.
        public var accessControlRequestMethod: String?

        public init(authorization: String? = nil, cookie: String? = nil, accept: String? = nil,
                    userAgent: String? = nil, origin: String? = nil, referer: String? = nil,
                    secFetchSite: String? = nil, host: String? = nil, scheme: String? = nil,
                    accessControlRequestMethod: String? = nil) {
            self.authorization = authorization
            self.cookie = cookie
            self.accept = accept
            self.userAgent = userAgent
            self.origin = origin
            self.referer = referer
            self.secFetchSite = secFetchSite
            self.host = host
            self.scheme = scheme
            self.accessControlRequestMethod = accessControlRequestMethod
        }
    }

    public init(method: HTTPMethod, path: String, query: String = "", contentType: String? = nil,
                contentLength: Int? = nil, headers: Headers = Headers(), remoteAddress: String = "127.0.0.1",
                requestID: String = "-", body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.contentType = contentType
        self.contentLength = contentLength ?? body.count
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.requestID = requestID
        self.body = body
    }

    /// Splits a `REQUEST_URI` into path and query.
    public static func splitURI(_ uri: String) -> (path: String, query: String) {
        // Searched as bytes: `?` is ASCII, so the index is also a valid String index, and a
        // byte search costs a fraction of a Character search on this per-request path.
        guard let q = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (uri, "") }
        return (String(uri[..<q]), String(uri[uri.utf8.index(after: q)...]))
    }
}
