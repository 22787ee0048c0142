import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Periodic housekeeping on its own thread and database connection: purges revoked refresh
/// tokens that have expired anyway, finished outbox rows, audit events past their retention and
/// unanswered WebAuthn challenges. Several
/// instances may run it at once (plain DELETEs).
enum Maintenance {
    /// `email`: for the outbox's retention (AUTHKIT_EMAIL_RETENTION).
    static func run(settings: MaintenanceSettings, database databaseSettings: DatabaseSettings, email: EmailSettings,
                    clock: any TimeSource, isStopping: @Sendable () -> Bool, logger: Logger) {
        let database = Database(settings: databaseSettings)
        var next = MonotonicClock.nanoseconds() + UInt64(settings.interval * 1e9)
        while !isStopping() {
            usleep(100_000)
            guard MonotonicClock.nanoseconds() >= next else { continue }
            next = MonotonicClock.nanoseconds() + UInt64(settings.interval * 1e9)
            do {
                let (tokens, emails, events) = try database.run(logger: logger) { connection in
                    // Password-failure rows a day old: the counter restarts (NIST: consecutive failures).
                    try LoginFailures(connection).purge(before: clock.now().seconds - 86400)
                    try MFAStore(connection).purgeDeviceAttempts(before: clock.now().seconds - 86400)
                    // Windows of the longest period (a day) are done after two periods.
                    try ThrottleWindows(connection).purge(before: clock.now().seconds - 2 * 86400)
                    // WebAuthn challenges nobody answered in time.
                    _ = try WebAuthnStore(connection).purgeExpired(now: clock.now().seconds)
                    return (try RevokedTokens(connection).purgeExpired(now: clock.now().seconds),
                            try OutboxStore(connection).purgeFinished(olderThan: email.retention),
                            try AuditTrail(connection).purge(olderThanDays: settings.eventRetentionDays))
                }
                if tokens > 0 || emails > 0 || events > 0 {
                    logger.info("purged", metadata: ["revoked_tokens": "\(tokens)", "outbox_rows": "\(emails)", "events": "\(events)"])
                }
            } catch {
                logger.warning("maintenance failed", metadata: ["error": "\(error)"])
            }
        }
        database.close()
    }
}

/// The outbox sender of one instance: its own thread and database connection, a pass every
/// AUTHKIT_EMAIL_POLL_INTERVAL seconds.
enum OutboxWorker {
    static func run(sender: OutboxSender, database databaseSettings: DatabaseSettings, email: EmailSettings,
                    metrics: Metrics, isStopping: @Sendable () -> Bool, logger: Logger) {
        let database = Database(settings: databaseSettings)
        var next = MonotonicClock.nanoseconds()
        while !isStopping() {
            usleep(20_000)
            guard MonotonicClock.nanoseconds() >= next else { continue }
            next = MonotonicClock.nanoseconds() + UInt64(email.pollInterval * 1e9)
            do {
                metrics.record(try database.run(logger: logger) { try sender.deliverDue($0, logger: logger) })
            } catch is DatabaseUnavailable {
                // Already logged (rate-limited) by Database.
            } catch {
                logger.error("outbox pass failed", metadata: ["error": "\(error)"])
            }
        }
        database.close()
    }
}
