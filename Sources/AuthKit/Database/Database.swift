import Logging
import PostgreSQL
import Synchronization

/// A worker thread's PostgreSQL connection. It connects lazily, reconnects on the next request
/// after a failure, and backs off while the server is down so an outage costs fast 503s
/// instead of a connection attempt per request. Not Sendable: one per thread.
public final class Database {
    private let settings: DatabaseSettings
    private var connection: PGConnection?
    private var retryAt: UInt64 = 0
    private var delay: Double = 0
    /// Monotonic time of the last statement that succeeded on this connection.
    private(set) var lastSuccess: UInt64 = 0

    /// Process-wide: the last time an outage was logged, so a down database logs a line every
    /// few seconds rather than one per request.
    private static let lastOutageLog = Atomic<UInt64>(0)

    public init(settings: DatabaseSettings) {
        self.settings = settings
    }

    /// Runs `body` on a live connection. Connection-level failures become `DatabaseUnavailable`
    /// (503) and leave the connection to be re-established by a later call. With `retry`, an
    /// idempotent body is tried once more on a fresh connection when the old one turned out dead.
    @discardableResult
    public func run<T>(retry: Bool = false, logger: Logger, _ body: (PGConnection) throws -> T) throws -> T {
        var attempt = 0
        while true {
            let conn = try live(logger: logger)
            do {
                let value = try body(conn)
                lastSuccess = MonotonicClock.nanoseconds()
                return value
            } catch let error as PGError where error.isConnectionFailure {
                attempt += 1
                if retry && attempt == 1 && lastSuccess != 0 { continue }
                noteFailure(error, logger: logger)
                throw DatabaseUnavailable(underlying: error)
            }
        }
    }

    /// True when the database answered within `maxAge` seconds on this connection, or answers
    /// `SELECT 1` now.
    public func isReachable(maxAge: Double, logger: Logger) -> Bool {
        if let connection, connection.isConnected, lastSuccess != 0,
           Double(MonotonicClock.nanoseconds() - lastSuccess) / 1e9 < maxAge {
            return true
        }
        do {
            try run(retry: true, logger: logger) { try $0.execute(Self.ping) }
            return true
        } catch {
            return false
        }
    }

    /// A new connection as every process makes it (serve's workers and schema check, each CLI
    /// command, doctor): the URL, its connect timeout and the prepared-statements setting (off
    /// behind PgBouncer in transaction mode, so no command may ignore it). `applicationName`
    /// shows in pg_stat_activity.
    public static func connect(_ settings: DatabaseSettings,
                               applicationName: String = "authkit") throws(PGError) -> PGConnection {
        try PGConnection(conninfo: settings.url,
                         defaults: [("connect_timeout", String(settings.connectTimeout)),
                                    ("application_name", applicationName)],
                         usesPreparedStatements: settings.preparedStatements)
    }

    static let ping = PGStatement("authkit_ping", "SELECT 1")

    /// Connects now, so the first request of this thread does not pay for the connection
    /// (measured: under load a cold worker's first answers took up to 2 s). A failure is only
    /// logged; requests then reconnect as usual.
    public func warmUp(logger: Logger) {
        _ = try? live(logger: logger)
    }

    /// Drops the connection (used at shutdown so the server sees a clean termination).
    public func close() {
        connection = nil
    }

    private func live(logger: Logger) throws(DatabaseUnavailable) -> PGConnection {
        if let connection, connection.isConnected, connection.isOpenAfterIdle { return connection }
        let now = MonotonicClock.nanoseconds()
        guard now >= retryAt else { throw DatabaseUnavailable(underlying: nil) }
        do {
            let conn: PGConnection
            let reset = connection != nil
            if let existing = connection {
                try existing.reset()
                conn = existing
            } else {
                conn = try Self.connect(settings)
                connection = conn
            }
            // A reset, or a first connection after failed attempts, is a reconnect.
            if reset || delay > 0 { Metrics.databaseReconnects.add() }
            if delay > 0 { logger.notice("database connection re-established") }
            delay = 0
            retryAt = 0
            return conn
        } catch {
            noteFailure(error, logger: logger)
            throw DatabaseUnavailable(underlying: error)
        }
    }

    private func noteFailure(_ error: PGError, logger: Logger) {
        lastSuccess = 0
        delay = min(max(delay * 2, 0.05), settings.reconnectMaxDelay)
        retryAt = MonotonicClock.nanoseconds() + UInt64(delay * 1e9)
        let now = MonotonicClock.nanoseconds()
        let last = Self.lastOutageLog.load(ordering: .relaxed)
        // Another worker may have stored a later time since `now` was read: never subtract past zero.
        if last == 0 || (now > last && now - last > 5_000_000_000),
           Self.lastOutageLog.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged {
            logger.error("database unavailable", metadata: ["error": "\(error.message)", "retry_in_s": "\(delay)"])
        }
    }
}
