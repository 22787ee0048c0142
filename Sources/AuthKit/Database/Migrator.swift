import Logging
import PostgreSQL

/// Applies pending migrations, each in its own transaction, under a PostgreSQL advisory lock so
/// that instances starting at the same time apply each migration exactly once. The lock is a
/// transaction-level one (`pg_advisory_xact_lock`) taken again by each transaction: it ends with
/// the transaction that took it, so it also works through PgBouncer in transaction mode, where a
/// session-level lock would stay behind on whichever server connection ran the `lock` statement.
public struct Migrator {
    public struct Status: Sendable {
        public let migration: Migration
        public let applied: Bool
        /// Applied, but the file in this binary differs from what was applied.
        public var changed = false
    }

    public enum Failure: Error, CustomStringConvertible {
        case changedAfterApply(version: Int, name: String)
        case unknownVersionInDatabase(Int)

        public var description: String {
            switch self {
            case .changedAfterApply(let v, let n):
                return "migration \(v) (\(n)) was changed after it was applied; add a new migration instead"
            case .unknownVersionInDatabase(let v):
                return "the database has migration \(v), which this binary does not know: it is older than the schema"
            }
        }
    }

    /// Arbitrary constant naming "the authkit migration lock" among advisory locks.
    static let lockKey = 7_312_017_001

    let connection: PGConnection
    let migrations: [Migration]

    public init(connection: PGConnection, migrations: [Migration] = Migration.all) {
        self.connection = connection
        self.migrations = migrations
    }

    /// Applies what is pending; returns the migrations applied by this call.
    @discardableResult
    public func migrate(logger: Logger) throws -> [Migration] {
        try connection.transaction {
            try lock()
            try connection.simpleQuery("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        }
        var done: [Migration] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            // What is applied is read under the lock, inside the transaction that applies.
            let appliedNow = try connection.transaction { () throws -> Bool in
                try lock()
                if let checksum = try appliedChecksums()[migration.version] {
                    guard checksum == migration.checksum else {
                        throw Failure.changedAfterApply(version: migration.version, name: migration.name)
                    }
                    return false
                }
                try connection.simpleQuery(migration.sql)
                try connection.query(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    [migration.version, migration.name, migration.checksum])
                return true
            }
            guard appliedNow else { continue }
            logger.notice("migration applied", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            done.append(migration)
        }
        return done
    }

    /// Waits for the migration lock; released by the end of the current transaction.
    private func lock() throws {
        try connection.query("SELECT pg_advisory_xact_lock($1)", [Self.lockKey])
    }

    /// Which migrations are applied. Throws when the database is ahead of this binary.
    public func status() throws -> [Status] {
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL")
        let applied = exists.bool(0, 0) == true ? try appliedChecksums() : [:]
        let known = Set(migrations.map(\.version))
        if let unknown = applied.keys.sorted().first(where: { !known.contains($0) }) {
            throw Failure.unknownVersionInDatabase(unknown)
        }
        return migrations.sorted { $0.version < $1.version }.map { migration in
            let checksum = applied[migration.version]
            return Status(migration: migration, applied: checksum != nil, changed: checksum != nil && checksum != migration.checksum)
        }
    }

    private func appliedChecksums() throws -> [Int: String] {
        let result = try connection.query("SELECT version, checksum FROM schema_migrations")
        var map: [Int: String] = [:]
        for row in 0..<result.rowCount {
            map[try result.requiredInt(row, 0)] = try result.required(row, 1)
        }
        return map
    }
}
