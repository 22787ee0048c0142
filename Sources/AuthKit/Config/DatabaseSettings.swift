import PostgreSQL
#if canImport(Glibc)
import Glibc
#endif

/// How every process (serve, the CLI commands, doctor) reaches PostgreSQL; see `Database.connect`.
public struct DatabaseSettings: SettingsGroup {
    /// libpq conninfo; empty only for commands that never connect.
    public var url: String
    static let url = SettingKey<String>(
        "DATABASE_URL", unset: "", shown: "(required)", .text,
        "libpq connection URI or key=value string; for failover, several hosts and "
            + "target_session_attrs=read-write (docs/scaling.md).")

    public var connectTimeout: Int
    static let connectTimeout = SettingKey<Int>(
        "DATABASE_CONNECT_TIMEOUT", default: "5", .int(in: 1...600),
        "Seconds to wait for a PostgreSQL connection (applies unless the URL sets connect_timeout).")

    // Keepalives: a host that vanished (power loss, partition) is noticed on an idle connection
    // within idle + interval x count seconds instead of the kernel's two hours. TCP only.
    public var keepalivesIdle: Int
    static let keepalivesIdle = SettingKey<Int>(
        "DATABASE_KEEPALIVES_IDLE", default: "10", .int(in: 1...7200),
        "Seconds of silence before the first TCP keepalive probe on a database connection.")

    public var keepalivesInterval: Int
    static let keepalivesInterval = SettingKey<Int>(
        "DATABASE_KEEPALIVES_INTERVAL", default: "5", .int(in: 1...600),
        "Seconds between TCP keepalive probes.")

    public var keepalivesCount: Int
    static let keepalivesCount = SettingKey<Int>(
        "DATABASE_KEEPALIVES_COUNT", default: "3", .int(in: 1...100),
        "Unanswered keepalive probes after which the connection counts as lost.")

    /// Server-side: PostgreSQL cancels the statement (SQLSTATE 57014), the request gets a 503.
    /// Also the client's bound: no answer within it plus one second drops the connection (a
    /// frozen server cannot cancel anything).
    public var statementTimeout: Double
    static let statementTimeout = SettingKey<Double>(
        "DATABASE_STATEMENT_TIMEOUT", default: "5", .seconds(in: 0.1...3600),
        "Seconds one statement may run (statement_timeout); the app waits one second more for any answer, "
            + "then answers 503.")

    public var lockTimeout: Double
    static let lockTimeout = SettingKey<Double>(
        "DATABASE_LOCK_TIMEOUT", default: "2", .seconds(in: 0.1...3600),
        "Seconds a statement may wait for a lock (lock_timeout, SQLSTATE 55P03 then 503).")

    public var idleInTransactionTimeout: Double
    static let idleInTransactionTimeout = SettingKey<Double>(
        "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT", default: "10", .seconds(in: 0.1...3600),
        "Seconds a connection may sit idle inside a transaction before the server ends it "
            + "(idle_in_transaction_session_timeout).")

    public var migrateStatementTimeout: Double
    static let migrateStatementTimeout = SettingKey<Double>(
        "DATABASE_MIGRATE_STATEMENT_TIMEOUT", default: "600", .seconds(in: 0.1...86400),
        "statement_timeout of `authkit migrate` (a migration may rewrite a large table).")

    public var migrateLockTimeout: Double
    static let migrateLockTimeout = SettingKey<Double>(
        "DATABASE_MIGRATE_LOCK_TIMEOUT", default: "60", .seconds(in: 0.1...86400),
        "lock_timeout of `authkit migrate`: how long it waits for another instance's migration or a table lock.")

    /// PgBouncer in transaction mode refuses (or drops) start-up parameters it does not know;
    /// there the timeouts belong to the role (`ALTER ROLE ... SET statement_timeout = '5s'`).
    public var sessionOptions: Bool
    static let sessionOptions = SettingKey<Bool>(
        "DATABASE_SESSION_OPTIONS", default: "true", .bool,
        "Send the statement, lock and idle-in-transaction timeouts as libpq `options`; false behind PgBouncer "
            + "in transaction mode (set them on the role instead).")

    public var reconnectMaxDelay: Double
    static let reconnectMaxDelay = SettingKey<Double>(
        "DATABASE_RECONNECT_MAX_DELAY", default: "2", .seconds(in: 0.01...300),
        "Upper bound, in seconds, of the back-off between reconnection attempts while the database is down.")

    public var preparedStatements: Bool
    static let preparedStatements = SettingKey<Bool>(
        "DATABASE_PREPARED_STATEMENTS", default: "true", .bool,
        "Prepare statements once per connection; set false behind PgBouncer in transaction mode.")

    public static var catalog: [SettingInfo] {
        [url.info, connectTimeout.info, keepalivesIdle.info, keepalivesInterval.info, keepalivesCount.info,
         statementTimeout.info, lockTimeout.info, idleInTransactionTimeout.info, migrateStatementTimeout.info,
         migrateLockTimeout.info, sessionOptions.info, reconnectMaxDelay.info, preparedStatements.info]
    }

    /// `required`: false for commands that never connect.
    init(reader: SettingsReader, required: Bool) throws(SettingsError) {
        url = try reader.value(Self.url)
        connectTimeout = try reader.value(Self.connectTimeout)
        keepalivesIdle = try reader.value(Self.keepalivesIdle)
        keepalivesInterval = try reader.value(Self.keepalivesInterval)
        keepalivesCount = try reader.value(Self.keepalivesCount)
        statementTimeout = try reader.value(Self.statementTimeout)
        lockTimeout = try reader.value(Self.lockTimeout)
        idleInTransactionTimeout = try reader.value(Self.idleInTransactionTimeout)
        migrateStatementTimeout = try reader.value(Self.migrateStatementTimeout)
        migrateLockTimeout = try reader.value(Self.migrateLockTimeout)
        sessionOptions = try reader.value(Self.sessionOptions)
        reconnectMaxDelay = try reader.value(Self.reconnectMaxDelay)
        preparedStatements = try reader.value(Self.preparedStatements)
        if required && url.isEmpty {
            throw SettingsError(setting: Self.url.variable,
                                problem: "is required (a libpq URI such as postgresql://user@host/db)")
        }
        if required { try Self.checkURL(url) }
    }

    /// What libpq itself makes of the URL, so a typo stops the start (and `doctor` reports it)
    /// instead of a service that answers 503 forever. A URL must name its database (or leave it
    /// to PGDATABASE): libpq would otherwise quietly use the user name.
    static func checkURL(_ url: String) throws(SettingsError) {
        let values: [String: String]
        do {
            values = try PGConnInfo.parse(url)
        } catch {
            throw SettingsError(setting: Self.url.variable,
                                problem: "is not a libpq URI or key=value string (\(error.message))")
        }
        let environmentDatabase = getenv("PGDATABASE").map { String(cString: $0) } ?? ""
        if values["dbname", default: ""].isEmpty && environmentDatabase.isEmpty {
            throw SettingsError(setting: Self.url.variable,
                                problem: "names no database (postgresql://user@host/DATABASE or dbname=DATABASE)")
        }
    }

    /// The session timeouts as one libpq `options` value (milliseconds: no units, no spaces).
    func sessionOptionsValue(migration: Bool) -> String {
        func ms(_ seconds: Double) -> Int { Int((seconds * 1000).rounded()) }
        let statement = migration ? migrateStatementTimeout : statementTimeout
        let lock = migration ? migrateLockTimeout : lockTimeout
        return "-c statement_timeout=\(ms(statement)) -c lock_timeout=\(ms(lock)) "
            + "-c idle_in_transaction_session_timeout=\(ms(idleInTransactionTimeout))"
    }
}
