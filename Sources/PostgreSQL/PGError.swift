/// A failed libpq operation. `sqlState` is the five-character SQLSTATE when the server sent one.
public struct PGError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection broke: retrying on a new connection may work.
        case connection
        /// The server rejected the statement (constraint violation, syntax error, ...).
        case server
        /// The result did not have the expected shape (programming error).
        case decoding
    }

    public let kind: Kind
    public let message: String
    public let sqlState: String?
    public let constraint: String?

    public init(kind: Kind, message: String, sqlState: String? = nil, constraint: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.constraint = constraint
    }

    public var description: String {
        var text = "postgres \(kind): \(message)"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        return text
    }

    /// True for unique_violation (23505).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// Connection-class failures (SQLSTATE class 08, admin shutdown 57P0x) and broken sockets.
    public var isConnectionFailure: Bool {
        if kind == .connection { return true }
        guard let s = sqlState else { return false }
        return s.hasPrefix("08") || s.hasPrefix("57P")
    }

    /// The server gave up on the statement because of the session's own timeouts:
    /// query_canceled (57014, statement_timeout or a cancel request) or lock_not_available
    /// (55P03, lock_timeout). The connection stays usable; the request is answered 503.
    public var isTimeout: Bool { sqlState == "57014" || sqlState == "55P03" }

    /// Why the server refused a new connection when retrying cannot help.
    public enum Refusal: Sendable, Equatable {
        /// 28P01 invalid_password, 28000 invalid_authorization_specification (no such role, no
        /// pg_hba.conf entry), or a password the server asks for and the URL does not give.
        case authentication
        /// 3D000 invalid_catalog_name: the database does not exist.
        case noSuchDatabase
    }

    /// Set on a failed connection attempt that the server refused for good (see `Refusal`).
    /// libpq keeps a refused start-up's SQLSTATE to itself, so this is read from the server's
    /// message (its English text; `lc_messages` is a server setting, C by default), or from
    /// `PQconnectionNeedsPassword`.
    public internal(set) var refusal: Refusal? = nil

    static func refusal(in message: String, needsPassword: Bool) -> Refusal? {
        if needsPassword { return .authentication }
        // The server's FATAL text follows libpq's "connection to server ... failed: " prefix.
        guard let fatal = message.firstRange(of: "FATAL:") else { return nil }
        let text = message[fatal.upperBound...]
        if text.contains("password authentication failed") || text.contains("no pg_hba.conf entry")
            || text.contains("authentication failed for user")
            || (text.contains("role \"") && text.contains("does not exist")) {
            return .authentication
        }
        if text.contains("database \""), text.contains("does not exist") { return .noSuchDatabase }
        return nil
    }
}
