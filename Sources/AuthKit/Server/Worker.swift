import FastCGI
import Logging

/// One worker thread's loop: wait for a FastCGI request, answer it on this thread's own
/// database connection, repeat until the server stops. Only the immutable application and the
/// stop flag are shared with other workers.
enum Worker {
    static func run(index: Int, application: Application, listener: Listener, wake: WakeEvent,
                    isStopping: @Sendable () -> Bool, logger: Logger) {
        let gate: AcceptGate
        do {
            gate = try AcceptGate(listener: listener, wake: wake)
        } catch {
            logger.critical("worker cannot wait for connections", metadata: ["worker": "\(index)", "error": "\(error)"])
            return
        }
        let connection = Connection(listener: listener)
        let database = Database(settings: application.settings.database, board: application.connections, slot: index)
        database.warmUp(logger: logger)
        let responder = Responder(application: application, logger: logger, shard: application.metrics.shard(index))
        let drains = listener.drainsOnShutdown
        var drainRetries = 0
        while true {
            // Read before accepting: the server refuses new connections *before* it sets the
            // stop flag, so an accept that finds nothing after the flag was seen means the
            // queue is empty for good. Until then what is queued is answered (graceful drain).
            let stopping = isStopping()
            if stopping {
                if !drains { break }
                // A kept connection would wait for nginx's next request: close it instead.
                if connection.holdsKeptConnection { connection.dropKeptConnection() }
            }
            // The listening socket is non-blocking: under load the next connection is usually
            // already queued, so try to accept first and only wait in epoll when there was
            // none (EAGAIN, or another worker took it). Saves one epoll_wait per request, and
            // with `fastcgi_keep_conn on` libfcgi reads the next request of the kept connection
            // here instead of the worker waiting for a new one (KeptConnectionTests).
            if connection.accept() {
                responder.answer(connection, database: database)
                connection.finish()
                continue
            }
            if stopping {
                // Not empty after all (accept failed for another reason): go on draining.
                if drainRetries < 100 && listener.hasQueuedConnection {
                    drainRetries += 1
                    continue
                }
                listener.closeQueue()
                break
            }
            // Idle: also watch this worker's database session, so one the server ends is
            // noticed now (healthz) and re-established before the next request needs it.
            gate.watch(database.idleSocket)
            switch gate.wait(timeoutMilliseconds: database.reconnectDelayMilliseconds ?? -1) {
            case .connection, .wake: continue
            case .watched: database.idleInputArrived(logger: logger)
            case .timeout: database.reconnectInBackground(logger: logger)
            }
        }
        database.close()
    }
}
