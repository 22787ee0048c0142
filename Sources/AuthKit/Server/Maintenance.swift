import Logging
import PostgreSQL
#if canImport(Glibc)
import Glibc
#endif

/// Periodic housekeeping on its own thread and database connection: purges revoked refresh
/// tokens that have expired anyway, finished outbox rows, audit events past their retention,
/// unanswered WebAuthn challenges and spent attempt counters. Several instances may run it at
/// once (each batch skips the rows another holds).
public enum Maintenance {
    /// `email`: for the outbox's retention (AUTHKIT_EMAIL_RETENTION).
    static func run(settings: MaintenanceSettings, database databaseSettings: DatabaseSettings, email: EmailSettings,
                    clock: any TimeSource, isStopping: @Sendable () -> Bool, logger: Logger) {
        let database = Database(settings: databaseSettings)
        let purges = Self.purges(settings: settings, email: email, clock: clock)
        var next = MonotonicClock.nanoseconds() + UInt64(settings.interval * 1e9)
        while !isStopping() {
            usleep(100_000)
            guard MonotonicClock.nanoseconds() >= next else { continue }
            next = MonotonicClock.nanoseconds() + UInt64(settings.interval * 1e9)
            let counts = pass(purges, limit: settings.purgeBatch, isStopping: isStopping, logger: logger) { batch in
                try database.run(logger: logger, batch)
            }
            if !counts.isEmpty {
                logger.info("purged", metadata: .init(uniqueKeysWithValues: counts.map { ($0.key, "\($0.value)") }))
            }
        }
        database.close()
    }

    /// What is purged, and when a row is old enough.
    public static func purges(settings: MaintenanceSettings, email: EmailSettings, clock: any TimeSource) -> [Purge] {
        let days = settings.eventRetentionDays
        return [
            // Password-failure rows a day old: the counter restarts (NIST: consecutive failures).
            Purge("login_failures") { try LoginFailures($0).purge(before: clock.now().seconds - 86400, limit: $1) },
            Purge("mfa_device_attempts") {
                try MFAStore($0).purgeDeviceAttempts(before: clock.now().seconds - 86400, limit: $1)
            },
            // Windows of the longest period (a day) are done after two periods.
            Purge("throttle_windows") {
                try ThrottleWindows($0).purge(before: clock.now().seconds - 2 * 86400, limit: $1)
            },
            // WebAuthn challenges nobody answered in time.
            Purge("webauthn_challenges") { try WebAuthnStore($0).purgeExpired(now: clock.now().seconds, limit: $1) },
            Purge("revoked_tokens") { try RevokedTokens($0).purgeExpired(now: clock.now().seconds, limit: $1) },
            Purge("email_outbox") { try OutboxStore($0).purgeFinished(olderThan: email.retention, limit: $1) },
            Purge("mfa_events") { try AuditTrail($0).purge(olderThanDays: days, limit: $1) },
        ]
    }

    /// One pass: each table drained in batches of `limit`, each on its own, so one that fails
    /// (a lock held for long, a timeout) is logged and retried next pass while the others are
    /// still purged. Returns the rows deleted per table (tables with none left out).
    public static func pass(_ purges: [Purge], limit: Int, isStopping: () -> Bool, logger: Logger,
                     execute: ((PGConnection) throws -> Int) throws -> Int) -> [String: Int] {
        var counts: [String: Int] = [:]
        for purge in purges where !isStopping() {
            do {
                let deleted = try purge.drain(limit: limit, isStopping: isStopping, execute: execute)
                if deleted > 0 { counts[purge.table] = deleted }
            } catch {
                logger.warning("purge failed", metadata: ["table": "\(purge.table)", "error": "\(error)"])
            }
        }
        return counts
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
