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
}
