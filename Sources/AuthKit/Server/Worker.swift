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
        let database = Database(settings: application.settings.database)
        database.warmUp(logger: logger)
        let responder = Responder(application: application, logger: logger, shard: application.metrics.shard(index))
        while !isStopping() {
            // The listening socket is non-blocking: under load the next connection is usually
            // already queued, so try to accept first and only wait in epoll when there was
            // none (EAGAIN, or another worker took it). Saves one epoll_wait per request, and
            // with `fastcgi_keep_conn on` libfcgi reads the next request of the kept connection
            // here instead of the worker waiting for a new one (KeptConnectionTests).
            guard connection.accept() else {
                guard gate.wait() else { break }
                continue
            }
            responder.answer(connection, database: database)
            connection.finish()
        }
        database.close()
    }
}
