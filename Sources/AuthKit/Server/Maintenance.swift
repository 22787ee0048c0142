import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Periodic housekeeping on its own thread and database connection: purges revoked refresh
/// tokens that have expired anyway. Several instances may run it at once (plain DELETEs).
enum Maintenance {
    static func run(settings: Settings, clock: any TimeSource, isStopping: @Sendable () -> Bool, logger: Logger) {
        let database = Database(settings: settings)
        var next = MonotonicClock.nanoseconds() + UInt64(settings.maintenanceInterval * 1e9)
        while !isStopping() {
            usleep(100_000)
            guard MonotonicClock.nanoseconds() >= next else { continue }
            next = MonotonicClock.nanoseconds() + UInt64(settings.maintenanceInterval * 1e9)
            do {
                let purged = try database.run(logger: logger) { try RevokedTokens($0).purgeExpired(now: clock.now().seconds) }
                if purged > 0 { logger.info("purged expired revoked tokens", metadata: ["rows": "\(purged)"]) }
            } catch {
                logger.warning("maintenance failed", metadata: ["error": "\(error)"])
            }
        }
        database.close()
    }
}
