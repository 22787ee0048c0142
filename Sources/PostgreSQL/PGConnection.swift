import CLibPQ

/// One libpq connection, used by exactly one thread at a time (it is not Sendable).
/// Frees the `PGconn` in `deinit`.
public final class PGConnection {
    private var handle: OpaquePointer?
    private var prepared: Set<String> = []

    /// Whether named statements are prepared on the server. Off for PgBouncer in transaction mode.
    public let usesPreparedStatements: Bool

    /// Results received from the server so far: one per round trip (a statement, a prepare,
    /// BEGIN or COMMIT). Tests and benchmarks read it to count a request's round trips.
    public private(set) var roundTrips = 0

    /// How long to wait for the server's answer to one statement before giving the connection
    /// up (nil: forever). The server's own `statement_timeout` ends slow statements; this bound
    /// covers a server that cannot answer at all (a frozen host, a stopped process), where TCP
    /// keepalives do not help because the peer's kernel still acknowledges.
    public let responseTimeout: Double?

    /// Set when an answer did not come within `responseTimeout`: the protocol state is unknown,
    /// so the connection counts as broken until `reset`.
    private var abandoned = false

    /// Opens a connection. `conninfo` is a libpq URI or `key=value` string; `defaults` are
    /// applied only where `conninfo` does not set the key (e.g. `connect_timeout`), `overrides`
    /// whatever it says.
    public init(conninfo: String, defaults: [(String, String)] = [], overrides: [(String, String)] = [],
                usesPreparedStatements: Bool = true, responseTimeout: Double? = nil) throws(PGError) {
        self.usesPreparedStatements = usesPreparedStatements
        self.responseTimeout = responseTimeout
        // Later keywords override earlier ones, so the defaults go first, then the expanded
        // dbname (the caller's URI or conninfo), then the overrides.
        let keys = defaults.map(\.0) + ["dbname"] + overrides.map(\.0)
        let values = defaults.map(\.1) + [conninfo] + overrides.map(\.1)
        let connection = withCStringArray(keys) { k in
            withCStringArray(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let connection else { throw PGError(kind: .connection, message: "out of memory") }
        handle = connection
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.errorMessage(connection)
            var error = PGError(kind: .connection, message: message)
            error.refusal = PGError.refusal(in: message, needsPassword: PQconnectionNeedsPassword(connection) == 1)
            throw error
        }
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Whether libpq believes the connection is usable (no round trip).
    public var isConnected: Bool {
        guard let handle, !abandoned else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Whether a transaction is open (or failed and not yet rolled back) on this connection.
    public var inTransaction: Bool {
        guard let handle, isConnected else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// The connection's socket (-1 when there is none), so an idle owner can wait on it and
    /// learn at once when the server closes the session (`pg_terminate_backend`, a restart).
    public var socketDescriptor: Int32 {
        guard let handle else { return -1 }
        return PQsocket(handle)
    }

    /// Reads whatever the server sent while no statement was running (a notice, or the error
    /// and end of file of a terminated session). Returns `isConnected` afterwards.
    @discardableResult
    public func consumeIdleInput() -> Bool {
        // An abandoned connection still owes a result: PQgetResult would wait for it.
        guard let handle, !abandoned else { return false }
        _ = PQconsumeInput(handle)
        while let result = PQgetResult(handle) { PQclear(result) }
        return isConnected
    }

    /// Re-establishes a broken connection. Prepared statements are gone afterwards.
    public func reset() throws(PGError) {
        guard let handle else { throw PGError(kind: .connection, message: "connection closed") }
        prepared.removeAll()
        abandoned = false
        PQreset(handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PGError(kind: .connection, message: Self.errorMessage(handle))
        }
    }

    /// Runs one or more statements without parameters (migrations, BEGIN/COMMIT).
    @discardableResult
    public func simpleQuery(_ sql: String) throws(PGError) -> PGResult {
        let h = try liveHandle()
        guard PQsendQuery(h, sql) == 1 else { throw sendFailure(h) }
        let result = try awaitResult(h)
        return try check(PGResult(result), raw: result, connection: h)
    }

    /// Runs one parameterised statement (unnamed, not prepared).
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PGBindable] = []) throws(PGError) -> PGResult {
        let h = try liveHandle()
        let texts = parameters.map(\.pgText)
        let sent = withOptionalCStringArray(texts) { p in
            PQsendQueryParams(h, sql, Int32(texts.count), nil, p, nil, nil, 0)
        }
        guard sent == 1 else { throw sendFailure(h) }
        let result = try awaitResult(h)
        return try check(PGResult(result), raw: result, connection: h)
    }

    /// Runs a named statement, preparing it on this connection the first time.
    @discardableResult
    public func execute(_ statement: PGStatement, _ parameters: [any PGBindable] = []) throws(PGError) -> PGResult {
        guard usesPreparedStatements else { return try query(statement.sql, parameters) }
        let h = try liveHandle()
        if !prepared.contains(statement.name) {
            guard PQsendPrepare(h, statement.name, statement.sql, 0, nil) == 1 else { throw sendFailure(h) }
            let p = try awaitResult(h)
            _ = try check(PGResult(p), raw: p, connection: h)
            prepared.insert(statement.name)
        }
        let texts = parameters.map(\.pgText)
        let sent = withOptionalCStringArray(texts) { p in
            PQsendQueryPrepared(h, statement.name, Int32(texts.count), p, nil, nil, 0)
        }
        guard sent == 1 else { throw sendFailure(h) }
        let result = try awaitResult(h)
        return try check(PGResult(result), raw: result, connection: h)
    }

    /// Runs `body` inside BEGIN/COMMIT; rolls back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try simpleQuery("BEGIN")
        do {
            let value = try body()
            try simpleQuery("COMMIT")
            return value
        } catch {
            if isConnected { _ = try? simpleQuery("ROLLBACK") }
            throw error
        }
    }

    // MARK: - Internals

    private func liveHandle() throws(PGError) -> OpaquePointer {
        guard let handle else { throw PGError(kind: .connection, message: "connection closed") }
        if abandoned { throw PGError(kind: .connection, message: "connection abandoned after a timeout") }
        return handle
    }

    private func sendFailure(_ h: OpaquePointer) -> PGError {
        if PQstatus(h) != CONNECTION_OK { prepared.removeAll() }
        return PGError(kind: .connection, message: Self.errorMessage(h))
    }

    /// Collects the results of what was just sent, as `PQexec` does (the last one, or the first
    /// error), waiting at most `responseTimeout` for the server. When it does not answer in time
    /// the connection is abandoned: no cancel request, which would wait on the same server.
    private func awaitResult(_ h: OpaquePointer) throws(PGError) -> OpaquePointer {
        let deadline = responseTimeout.map { MonotonicNanoseconds.now() + UInt64($0 * 1e9) }
        var kept: OpaquePointer?
        while true {
            while PQisBusy(h) == 1 {
                var wait: Int32 = -1
                if let deadline {
                    let now = MonotonicNanoseconds.now()
                    if now >= deadline {
                        if let kept { PQclear(kept) }
                        abandoned = true
                        prepared.removeAll()
                        throw PGError(kind: .connection,
                                      message: "no answer from the server within \(responseTimeout!) s")
                    }
                    wait = Int32(min((deadline - now) / 1_000_000 + 1, 60_000))
                }
                var poller = pollfd(fd: PQsocket(h), events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, wait)
                if ready == 0 || (ready < 0 && errno == EINTR) { continue }
                if ready < 0 || PQconsumeInput(h) == 0 { break }
            }
            guard let next = PQgetResult(h) else { break }
            if let previous = kept {
                if PQresultStatus(previous) == PGRES_FATAL_ERROR {
                    PQclear(next)
                    continue
                }
                PQclear(previous)
            }
            kept = next
        }
        guard let kept else { throw sendFailure(h) }
        return kept
    }

    /// The one place that turns a libpq result status into a typed error.
    private func check(_ wrapped: PGResult, raw: OpaquePointer, connection: OpaquePointer) throws(PGError) -> PGResult {
        roundTrips += 1
        switch PQresultStatus(raw) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return wrapped
        default:
            let sqlState = Self.field(raw, authkit_pg_diag_sqlstate())
            let constraint = Self.field(raw, authkit_pg_diag_constraint_name())
            let primary = Self.field(raw, authkit_pg_diag_message_primary())
            let message = primary ?? Self.errorMessage(connection)
            let broken = PQstatus(connection) != CONNECTION_OK
            if broken { prepared.removeAll() }
            throw PGError(kind: broken || sqlState == nil ? .connection : .server,
                          message: message, sqlState: sqlState, constraint: constraint)
        }
    }

    private static func field(_ result: OpaquePointer, _ code: Int32) -> String? {
        guard let p = PQresultErrorField(result, code) else { return nil }
        return String(cString: p)
    }

    private static func errorMessage(_ connection: OpaquePointer) -> String {
        guard let p = PQerrorMessage(connection) else { return "unknown error" }
        let text = String(cString: p)
        return text.split(whereSeparator: \.isNewline).map(String.init).joined(separator: " ").trimmingSpaces()
    }

    /// False when the server closed this connection while it sat idle, as every backend's
    /// connection is closed when its server stops or a failover ends it. libpq only notices on
    /// the next statement, which would then fail (a 503 for a request that could have been served
    /// on a fresh connection); this reads what is waiting without blocking instead. No round trip.
    public var isOpenAfterIdle: Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        // A few reads at most: an error message may come before the end of the stream.
        for _ in 0..<3 {
            var fd = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            guard poll(&fd, 1, 0) > 0 else { return true }
            guard PQconsumeInput(handle) == 1, PQstatus(handle) == CONNECTION_OK else { return false }
        }
        return PQstatus(handle) == CONNECTION_OK
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

/// Calls `body` with a NULL-terminated `char *[]` built from `strings`.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let owned = strings.map { strdup($0) }
    defer { owned.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = owned.map { UnsafePointer($0) }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Like `withCStringArray`, but a nil element stays NULL (SQL NULL parameters).
private func withOptionalCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    if strings.isEmpty { return body(nil) }
    let owned = strings.map { $0.map { strdup($0) } ?? nil }
    defer { owned.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = owned.map { $0.map { UnsafePointer($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// CLOCK_MONOTONIC in nanoseconds (the PostgreSQL module has no clock of its own to share).
enum MonotonicNanoseconds {
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

#if canImport(Glibc)
import Glibc
#endif
