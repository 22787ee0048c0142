import FastCGI
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The FastCGI responder: a fixed pool of worker threads over one listening socket.
///
/// Signals: SIGTERM/SIGINT are blocked in every thread and taken by `sigwait` on the calling
/// thread. On the first one the server drains: new connections are refused first (the unix
/// socket's path goes and the socket is shut for new connects, so nginx moves on to another
/// server at once), then the workers answer what is already queued on the socket and in flight
/// and stop when the queue is empty (up to `AUTHKIT_SHUTDOWN_TIMEOUT`), close their database
/// connections, and `run` returns 0. An inherited (systemd) socket is left to its owner with
/// its queue; a TCP listener is shut when the queue is first found empty (`Listener`).
/// SIGPIPE is ignored: a client that goes away mid-response only fails that write.
public final class Server: Sendable {
    private let application: Application
    private let listener: Listener
    private let logger: Logger
    private let sender: OutboxSender?
    private let stopping = Atomic<Bool>(false)
    private let running = Atomic<Int>(0)

    /// `sender`: the outbox sender to run on its own thread (nil: another process delivers).
    public init(application: Application, listener: Listener, logger: Logger, sender: OutboxSender?) {
        self.application = application
        self.listener = listener
        self.logger = logger
        self.sender = sender
    }

    /// The signals `run` takes with sigwait. Blocked by `blockSignals()`, which `serve` calls
    /// before the socket exists: a signal sent as soon as the socket appears must not find
    /// the default action (death by signal) still in place.
    static var handledSignals: sigset_t {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGHUP)
        return signals
    }

    public static func blockSignals() {
        signal(SIGPIPE, SIG_IGN)
        var signals = handledSignals
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// Runs until SIGTERM or SIGINT; returns the process exit status.
    public func run() -> Int32 {
        Self.blockSignals()
        var signals = Self.handledSignals

        let wake: WakeEvent
        do {
            wake = try WakeEvent()
        } catch {
            logger.critical("cannot create wake event", metadata: ["error": "\(error)"])
            return 1
        }
        FastCGI.initialize()
        let workers = application.settings.server.workers
        var threads: [pthread_t] = []
        for index in 0..<workers {
            running.add(1, ordering: .relaxed)
            let thread = spawnThread { [self] in
                Worker.run(index: index, application: application, listener: listener, wake: wake,
                           isStopping: { [self] in stopping.load(ordering: .sequentiallyConsistent) }, logger: logger)
                running.subtract(1, ordering: .relaxed)
            }
            guard let thread else {
                logger.critical("cannot start worker thread", metadata: ["worker": "\(index)"])
                running.subtract(1, ordering: .relaxed)
                stopping.store(true, ordering: .relaxed)
                wake.fire()
                break
            }
            threads.append(thread)
        }
        let maintenance = spawnThread { [self] in
            Maintenance.run(settings: application.settings.maintenance, database: application.settings.database,
                            email: application.settings.email, clock: application.clock,
                            isStopping: { [self] in stopping.load(ordering: .relaxed) }, logger: logger)
        }
        let outbox = sender.flatMap { sender in
            spawnThread { [self] in
                OutboxWorker.run(sender: sender, database: application.settings.database,
                                 email: application.settings.email, metrics: application.metrics,
                                 isStopping: { [self] in stopping.load(ordering: .relaxed) }, logger: logger)
            }
        }
        logger.notice("serving", metadata: ["listen": "\(describe(listener.kind))", "workers": "\(threads.count)",
                                             "base_path": "\(application.settings.server.basePath)"])

        var received: Int32 = 0
        while !stopping.load(ordering: .relaxed) {
            if sigwait(&signals, &received) != 0 { continue }
            if received == SIGHUP {
                logger.notice("SIGHUP ignored: restart the service to apply new settings")
                continue
            }
            logger.notice("shutting down", metadata: ["signal": "\(received == SIGTERM ? "SIGTERM" : "SIGINT")"])
            // Refuse new connections before the flag: a worker that saw the flag and then
            // finds the queue empty knows that nothing can be queued any more.
            listener.refuseNewConnections()
            stopping.store(true, ordering: .sequentiallyConsistent)
        }
        wake.fire()

        // Wait for queued and in-flight requests, bounded by the shutdown timeout. A TCP queue
        // that never empties (steady load) is shut at half the timeout, so the rest can finish.
        let timeout = UInt64(application.settings.server.shutdownTimeout * 1e9)
        let started = MonotonicClock.nanoseconds()
        while running.load(ordering: .relaxed) > 0 && MonotonicClock.nanoseconds() < started + timeout {
            if MonotonicClock.nanoseconds() >= started + timeout / 2, listener.closeQueue() {
                // Whatever is still queued is reset now: say so, as nginx will log those as errors.
                logger.warning("shutdown: listen queue still busy at half the shutdown timeout; closed it")
            }
            usleep(5_000)
        }
        let unfinished = running.load(ordering: .relaxed)
        if unfinished > 0 {
            logger.error("shutdown timeout: requests still running", metadata: ["workers": "\(unfinished)"])
            listener.close()
            return 1
        }
        for thread in threads { pthread_join(thread, nil) }
        if let maintenance { pthread_join(maintenance, nil) }
        if let outbox { pthread_join(outbox, nil) }
        listener.close()
        logger.notice("stopped")
        return 0
    }

    private func describe(_ kind: Listener.Kind) -> String {
        switch kind {
        case .unix(let path): return "unix:\(path)"
        case .tcp(let host, let port): return "\(host):\(port)"
        case .inherited(let fd): return "fd:\(fd)"
        }
    }
}

/// Boxes a closure for pthread_create.
private final class ThreadBody {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

private func spawnThread(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
    var thread = pthread_t()
    let box = Unmanaged.passRetained(ThreadBody(body))
    let status = pthread_create(&thread, nil, { raw in
        let box = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, box.toOpaque())
    if status != 0 {
        box.release()
        return nil
    }
    return thread
}
