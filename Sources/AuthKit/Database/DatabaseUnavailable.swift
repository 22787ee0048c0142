import PostgreSQL

/// The database cannot be reached right now; rendered as 503 and never as a 500.
public struct DatabaseUnavailable: Error, CustomStringConvertible, Sendable {
    public let underlying: PGError?
    public var description: String { "database unavailable: \(underlying?.description ?? "waiting before the next reconnection attempt")" }
}
