/// A named, parameterised SQL statement. Each connection prepares it on first use
/// (and again after a reconnect, since the server forgets prepared statements).
public struct PGStatement: Hashable, Sendable {
    public let name: String
    public let sql: String

    public init(_ name: String, _ sql: String) {
        self.name = name
        self.sql = sql
    }
}
