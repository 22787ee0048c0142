import PostgreSQL

/// One table the maintenance thread keeps small. Each `batch` deletes at most `limit` rows no
/// longer needed, so a backlog of any size (an instance down for weeks, a flood of throttle
/// windows) goes in many short statements, each far under the statement timeout, instead of one
/// that times out on every pass and never catches up.
public struct Purge: Sendable {
    public let table: String
    let batch: @Sendable (PGConnection, Int) throws -> Int

    public init(_ table: String, _ batch: @escaping @Sendable (PGConnection, Int) throws -> Int) {
        self.table = table
        self.batch = batch
    }

    /// `DELETE FROM table WHERE condition` for at most `$limitParameter` rows. Rows another
    /// session holds are skipped (left for the next pass) rather than waited for, so a purge
    /// never queues behind a request, and two instances purging at once take different rows.
    /// The condition is checked again on the row deleted: a ctid is unique only within one
    /// table, so on a table a DBA partitioned (docs/scaling.md) it can name a row of another
    /// partition, which is then deleted only if it is due too.
    static func sql(_ table: String, where condition: String, limitParameter: Int) -> String {
        """
        DELETE FROM \(table) WHERE ctid = ANY (ARRAY(
            SELECT ctid FROM \(table) WHERE \(condition) LIMIT $\(limitParameter) FOR UPDATE SKIP LOCKED))
          AND \(condition)
        """
    }

    /// Runs batches until one deletes fewer than `limit` rows (nothing is left) or `isStopping`;
    /// returns the rows deleted. `execute` runs one batch on a connection.
    public func drain(limit: Int, isStopping: () -> Bool,
               execute: ((PGConnection) throws -> Int) throws -> Int) throws -> Int {
        var total = 0
        while !isStopping() {
            let deleted = try execute { try batch($0, limit) }
            total += deleted
            if deleted < limit { break }
        }
        return total
    }
}
