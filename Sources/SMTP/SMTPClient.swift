import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// Sends one message over SMTP with libcurl (`smtp://`, `smtps://`, optional STARTTLS). The only
/// module that touches libcurl.
public struct SMTPClient: Sendable {
    public struct Configuration: Sendable {
        public var url: String
        public var startTLS: Bool
        public var username: String?
        public var password: String?
        public var connectTimeout: Int
        public var timeout: Int

        public init(url: String, startTLS: Bool, username: String?, password: String?, connectTimeout: Int, timeout: Int) {
            self.url = url
            self.startTLS = startTLS
            self.username = username
            self.password = password
            self.connectTimeout = connectTimeout
            self.timeout = timeout
        }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let message: String
        /// The SMTP server's last reply code when it answered (e.g. 550), 0 when it never did
        /// (refused, timed out, TLS failed).
        public var replyCode: Int = 0
        public var description: String { message }
        /// The server answered with a permanent refusal (5xx): trying again will not help. A 4xx
        /// answer or no answer at all is transient.
        public var isPermanent: Bool { (500...599).contains(replyCode) }
    }

    let configuration: Configuration

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Process-wide libcurl initialisation (not thread-safe: call once before threads start).
    public static func initialize() {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }

    /// Delivers `message` (RFC 5322 text with CRLF line ends) from `from` to `to`.
    public func send(from: String, to: String, message: String) throws(Failure) {
        let easy = try Easy()
        let payload = Payload(Array(message.utf8))
        let c = configuration
        var recipients: OpaquePointer?
        defer { if let recipients { curl_slist_free_all(UnsafeMutablePointer(recipients)) } }
        recipients = OpaquePointer(curl_slist_append(nil, "<\(to)>"))
        try easy.set(CURLOPT_URL, c.url)
        try easy.set(CURLOPT_MAIL_FROM, "<\(from)>")
        try easy.set(CURLOPT_MAIL_RCPT, list: UnsafeMutablePointer(recipients))
        try easy.set(CURLOPT_UPLOAD, 1)
        try connectionOptions(easy)
        try easy.check(authkit_curl_set_read(easy.handle, { buffer, size, count, user in
            guard let buffer, let user else { return 0 }
            return Unmanaged<Payload>.fromOpaque(user).takeUnretainedValue().read(into: buffer, capacity: size * count)
        }), "read function")
        let unmanaged = Unmanaged.passRetained(payload)
        defer { unmanaged.release() }
        try easy.check(authkit_curl_set_pointer(easy.handle, CURLOPT_READDATA, unmanaged.toOpaque()), "read data")
        try easy.check(curl_easy_perform(easy.handle), "SMTP delivery to \(Self.redacted(c.url))")
    }

    /// Connects, reads the greeting, says EHLO (and STARTTLS and AUTH when configured), then
    /// hangs up without sending anything: `authkit doctor`'s reachability check.
    public func probe() throws(Failure) {
        let easy = try Easy()
        let c = configuration
        try easy.set(CURLOPT_URL, c.url)
        try easy.set(CURLOPT_CONNECT_ONLY, 1)
        try connectionOptions(easy)
        try easy.check(curl_easy_perform(easy.handle), "SMTP server \(Self.redacted(c.url))")
    }

    /// Timeouts, TLS and login: the same for a delivery and a probe, so the probe tests what
    /// delivery will do.
    private func connectionOptions(_ easy: Easy) throws(Failure) {
        let c = configuration
        try easy.set(CURLOPT_NOSIGNAL, 1)
        try easy.set(CURLOPT_CONNECTTIMEOUT, c.connectTimeout)
        try easy.set(CURLOPT_TIMEOUT, c.timeout)
        if c.startTLS { try easy.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        if let user = c.username { try easy.set(CURLOPT_USERNAME, user) }
        if let password = c.password { try easy.set(CURLOPT_PASSWORD, password) }
    }

    /// The URL without credentials, for error messages and logs.
    static func redacted(_ url: String) -> String {
        let parts = url.split(separator: "@", maxSplits: 1)
        guard parts.count == 2, let schemeEnd = parts[0].firstIndex(of: ":") else { return url }
        return String(parts[0][..<schemeEnd]) + "://***@" + parts[1]
    }
}

/// Owns one CURL easy handle; frees it in deinit.
private final class Easy {
    let handle: UnsafeMutableRawPointer

    init() throws(SMTPClient.Failure) {
        guard let h = curl_easy_init() else { throw SMTPClient.Failure(message: "curl_easy_init failed") }
        handle = h
    }

    deinit { curl_easy_cleanup(handle) }

    /// The one place that turns a CURLcode into a typed error.
    func check(_ code: CURLcode, _ what: String) throws(SMTPClient.Failure) {
        guard code == CURLE_OK else {
            let reply = authkit_curl_response_code(handle)
            let suffix = reply > 0 ? " (server replied \(reply))" : ""
            throw SMTPClient.Failure(message: "\(what): \(String(cString: curl_easy_strerror(code)))\(suffix)",
                                     replyCode: reply)
        }
    }

    func set(_ option: CURLoption, _ value: String) throws(SMTPClient.Failure) {
        try check(authkit_curl_set_string(handle, option, value), "option \(option.rawValue)")
    }

    func set(_ option: CURLoption, _ value: Int) throws(SMTPClient.Failure) {
        try check(authkit_curl_set_long(handle, option, value), "option \(option.rawValue)")
    }

    func set(_ option: CURLoption, list: UnsafeMutablePointer<curl_slist>?) throws(SMTPClient.Failure) {
        try check(authkit_curl_set_list(handle, option, list), "option \(option.rawValue)")
    }
}

/// The message bytes handed to libcurl's read callback.
private final class Payload {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let n = min(capacity, bytes.count - offset)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }
}
