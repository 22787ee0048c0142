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
    /// The back-off of background reconnects by an idle worker, apart from the requests' own:
    /// a background attempt that failed while the server restarted must not make the next
    /// request a 503 without trying (the server may be back by then).
    private var idleRetryAt: UInt64 = 0
    private var idleDelay: Double = 0
    /// Monotonic time of the last statement that succeeded on this connection.
    private(set) var lastSuccess: UInt64 = 0
    /// Where this worker publishes whether its connection is live (healthz), and its slot.
    private let board: ConnectionBoard?
    private let slot: Int
    private var published = false
    /// Counts connects and resets, so a waiter can tell a new socket that reuses the old number.
    private(set) var generation = 0

    /// Process-wide: one idle worker at a time reconnects in the background, so a database that
    /// hangs on connect pins at most one worker for `connect_timeout`; the others keep
    /// answering fast 503s.
    private static let idleReconnecting = Atomic<Bool>(false)

    /// Process-wide: how many times a worker got a connection back after failures. A worker
    /// waiting out its back-off tries at once when this moved since its own failure: the
    /// server is back, so the instance recovers together rather than worker by worker.
    private static let recoveries = Atomic<Int>(0)
    /// `recoveries` when this worker's connection last failed.
    private var recoveriesAtFailure = 0

    /// Process-wide: the last time an outage was logged, so a down database logs a line every
    /// few seconds rather than one per request.
    private static let lastOutageLog = Atomic<UInt64>(0)

    /// `board`, `slot`: where a server worker publishes its connection state (nil: nowhere).
    public init(settings: DatabaseSettings, board: ConnectionBoard? = nil, slot: Int = 0) {
        self.settings = settings
        self.board = board
        self.slot = slot
        published = board != nil  // the board starts with every slot live
    }

    /// This instance's live connections and workers (healthz). Without a board: this one.
    public var instanceConnections: (live: Int, total: Int) {
        board?.counts ?? ((connection?.isConnected ?? false) ? 1 : 0, 1)
    }

    /// The socket an idle worker watches (with `generation`), nil while there is no connection.
    var idleSocket: (fd: Int32, generation: Int)? {
        guard let connection, connection.isConnected else { return nil }
        let fd = connection.socketDescriptor
        return fd >= 0 ? (fd, generation) : nil
    }

    /// Milliseconds until an idle worker should try to reconnect (nil: connected, nothing to do).
    var reconnectDelayMilliseconds: Int32? {
        if let connection, connection.isConnected { return nil }
        let now = MonotonicClock.nanoseconds()
        let due = max(retryAt, idleRetryAt)
        return due > now ? Int32(min((due - now) / 1_000_000 + 1, 60_000)) : 0
    }

    /// The idle connection's socket became readable: the server sent something while no
    /// statement ran, usually the end of a terminated session. Reads it; when the session is
    /// gone, the worker counts as down at once (healthz) and reconnects in the background.
    func idleInputArrived(logger: Logger) {
        guard let connection, !connection.consumeIdleInput() else { return }
        logger.notice("database connection lost while idle")
        lastSuccess = 0
        publish(false)
        reconnectInBackground(logger: logger)
    }

    /// Reconnects an idle worker whose connection is down, when its back-off allows and no
    /// other idle worker is already trying.
    func reconnectInBackground(logger: Logger) {
        guard reconnectDelayMilliseconds == 0 else { return }
        guard Self.idleReconnecting.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else {
            // Another worker is trying: look again after a short back-off of our own.
            idleRetryAt = MonotonicClock.nanoseconds() + 100_000_000
            return
        }
        defer { Self.idleReconnecting.store(false, ordering: .releasing) }
        let (requestRetryAt, requestDelay) = (retryAt, delay)
        do {
            _ = try live(logger: logger)
            idleDelay = 0
            idleRetryAt = 0
        } catch {
            // Only the background back-off grows; requests keep their own.
            (retryAt, delay) = (requestRetryAt, requestDelay)
            idleDelay = min(max(idleDelay * 2, 0.05), settings.reconnectMaxDelay)
            idleRetryAt = MonotonicClock.nanoseconds() + UInt64(idleDelay * 1e9)
        }
    }

    /// Runs `body` on a live connection. Connection-level failures become `DatabaseUnavailable`
    /// (503) and leave the connection to be re-established by a later call. With `retry`, an
    /// idempotent body is tried once more on a fresh connection when the old one turned out dead.
    /// A statement the server cancelled (statement or lock timeout) is a 503 for this request
    /// only: the connection stays, and any transaction left open is rolled back so the worker's
    /// next request starts clean.
    @discardableResult
    public func run<T>(retry: Bool = false, logger: Logger, _ body: (PGConnection) throws -> T) throws -> T {
        var attempt = 0
        while true {
            let conn = try live(logger: logger)
            do {
                let value = try body(conn)
                lastSuccess = MonotonicClock.nanoseconds()
                if !published { publish(true) }
                return value
            } catch let error as PGError where error.isConnectionFailure {
                attempt += 1
                if retry && attempt == 1 && lastSuccess != 0 { continue }
                noteFailure(error, logger: logger)
                throw DatabaseUnavailable(underlying: error)
            } catch let error as PGError where error.isTimeout {
                rollBackLeftovers(conn)
                Metrics.databaseTimeouts.add()
                logger.warning("database statement timed out", metadata: [
                    "sqlstate": "\(error.sqlState ?? "")", "error": "\(error.message)"])
                throw DatabaseUnavailable(underlying: error)
            } catch {
                rollBackLeftovers(conn)
                throw error
            }
        }
    }

    /// A body that threw outside `PGConnection.transaction` may leave a transaction open.
    private func rollBackLeftovers(_ conn: PGConnection) {
        if conn.inTransaction { _ = try? conn.simpleQuery("ROLLBACK") }
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
    /// command, doctor): the URL, its connect timeout, TCP keepalives, the session timeouts and
    /// the prepared-statements setting (off behind PgBouncer in transaction mode, so no command
    /// may ignore it). `applicationName` shows in pg_stat_activity; `migration` selects the
    /// longer timeouts of `authkit migrate`.
    ///
    /// Connect timeout and keepalives are conninfo parameters, which PgBouncer accepts (and
    /// the URL may override). The session timeouts go in the `options` start-up parameter,
    /// before any `options` of the URL (whose own `-c` settings therefore win); not at all with
    /// `AUTHKIT_DATABASE_SESSION_OPTIONS=false`. A `SET` after connecting would not do: behind
    /// transaction pooling it lands on whichever server connection runs it, and stays there.
    public static func connect(_ settings: DatabaseSettings, applicationName: String = "authkit",
                               migration: Bool = false) throws(PGError) -> PGConnection {
        var overrides: [(String, String)] = []
        if settings.sessionOptions {
            let own = settings.sessionOptionsValue(migration: migration)
            let theirs = (try? PGConnInfo.parse(settings.url))?["options"] ?? ""
            overrides.append(("options", theirs.isEmpty ? own : own + " " + theirs))
        }
        let statementTimeout = migration ? settings.migrateStatementTimeout : settings.statementTimeout
        return try PGConnection(conninfo: settings.url,
                                defaults: [("connect_timeout", String(settings.connectTimeout)),
                                           ("application_name", applicationName),
                                           ("keepalives", "1"),
                                           ("keepalives_idle", String(settings.keepalivesIdle)),
                                           ("keepalives_interval", String(settings.keepalivesInterval)),
                                           ("keepalives_count", String(settings.keepalivesCount))],
                                overrides: overrides,
                                usesPreparedStatements: settings.preparedStatements,
                                responseTimeout: statementTimeout + responseMargin)
    }

    /// How much longer than `statement_timeout` the client waits for an answer before it gives
    /// the connection up: enough for the server's own cancellation to arrive first.
    static let responseMargin = 1.0

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
        publish(false)
    }

    private func publish(_ live: Bool) {
        guard live != published else { return }
        published = live
        board?.set(slot, live: live)
    }

    private func live(logger: Logger) throws(DatabaseUnavailable) -> PGConnection {
        if let connection, connection.isConnected, connection.isOpenAfterIdle { return connection }
        let now = MonotonicClock.nanoseconds()
        guard now >= retryAt || Self.recoveries.load(ordering: .relaxed) != recoveriesAtFailure else {
            throw DatabaseUnavailable(underlying: nil)
        }
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
            if delay > 0 {
                logger.notice("database connection re-established")
                Self.recoveries.add(1, ordering: .relaxed)
            }
            delay = 0
            retryAt = 0
            generation += 1
            publish(true)
            return conn
        } catch {
            noteFailure(error, logger: logger)
            throw DatabaseUnavailable(underlying: error)
        }
    }

    private func noteFailure(_ error: PGError, logger: Logger) {
        lastSuccess = 0
        publish(false)
        delay = min(max(delay * 2, 0.05), settings.reconnectMaxDelay)
        retryAt = MonotonicClock.nanoseconds() + UInt64(delay * 1e9)
        recoveriesAtFailure = Self.recoveries.load(ordering: .relaxed)
        let now = MonotonicClock.nanoseconds()
        let last = Self.lastOutageLog.load(ordering: .relaxed)
        // Another worker may have stored a later time since `now` was read: never subtract past zero.
        if last == 0 || (now > last && now - last > 5_000_000_000),
           Self.lastOutageLog.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged {
            logger.error("database unavailable", metadata: ["error": "\(error.message)", "retry_in_s": "\(delay)"])
        }
    }
}
