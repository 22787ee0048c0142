import AuthKit
import Logging
import PostgreSQL
import Testing
import TestSupport

/// The maintenance purges against a real PostgreSQL: a backlog far larger than one batch is
/// deleted in batches, only what is old enough goes, and a table that cannot be purged now does
/// not stop the others.
@Suite struct MaintenanceTests {
    func setUp() throws -> (PGConnection, Settings) {
        let cluster = try PostgresCluster.shared.get()
        let db = try cluster.createDatabase()
        let settings = try Settings.load(from: ["AUTHKIT_DATABASE_URL": cluster.url(db), "AUTHKIT_SECRET_KEY": TestKeys.secretKey,
                                                "AUTHKIT_EVENT_RETENTION_DAYS": "30"])
        let connection = try PGConnection(conninfo: settings.database.url)
        try connection.simpleQuery("""
            INSERT INTO users (id, username, email, password) VALUES (1, 'u', 'u@example.com', '!');
            INSERT INTO revoked_tokens (jti, user_id, expires_at)
                SELECT 'old' || i, 1, now() - interval '1 hour' FROM generate_series(1, 2345) i;
            INSERT INTO revoked_tokens (jti, user_id, expires_at)
                SELECT 'live' || i, 1, now() + interval '1 hour' FROM generate_series(1, 3) i;
            INSERT INTO mfa_events (user_id, method, event, occurred_at)
                SELECT 1, 'app', 'login_failed', now() - interval '31 days' FROM generate_series(1, 1234) i;
            INSERT INTO mfa_events (user_id, method, event, occurred_at)
                SELECT 1, 'app', 'login_failed', now() - interval '29 days' FROM generate_series(1, 2) i;
            INSERT INTO throttle_windows (key, window_start, hits)
                SELECT 'k' || i, 0, 1 FROM generate_series(1, 700) i;
            """)
        return (connection, settings)
    }

    func pass(_ connection: PGConnection, _ settings: Settings, limit: Int,
              statements: Counter? = nil) -> [String: Int] {
        let purges = Maintenance.purges(settings: settings.maintenance, email: settings.email, clock: SystemTime())
        return Maintenance.pass(purges, limit: limit, isStopping: { false }, logger: Logger(label: "t")) { batch in
            statements?.value += 1
            return try batch(connection)
        }
    }

    final class Counter { var value = 0 }

    @Test func aBacklogGoesInBatchesAndOnlyWhatIsOldEnough() throws {
        let (connection, settings) = try setUp()
        let statements = Counter()
        let counts = pass(connection, settings, limit: 500, statements: statements)
        #expect(counts == ["revoked_tokens": 2345, "mfa_events": 1234, "throttle_windows": 700])
        // 5 + 3 + 2 batches for the three backlogs, one each for the four empty tables.
        #expect(statements.value == 14)
        #expect(try connection.query("SELECT count(*) FROM revoked_tokens").string(0, 0) == "3")
        #expect(try connection.query("SELECT count(*) FROM revoked_tokens WHERE jti LIKE 'live%'").string(0, 0) == "3")
        #expect(try connection.query("SELECT count(*) FROM mfa_events").string(0, 0) == "2")
        #expect(try connection.query("SELECT count(*) FROM throttle_windows").string(0, 0) == "0")
        #expect(pass(connection, settings, limit: 500).isEmpty, "nothing left for the next pass")
    }

    /// A table locked by another session (here ACCESS EXCLUSIVE, held past the lock timeout) is
    /// logged as failed and left for the next pass; the tables after it are still purged. Rows a
    /// request holds (FOR UPDATE) are skipped, not waited for.
    @Test func oneTableThatCannotBePurgedDoesNotStopTheOthers() throws {
        let (connection, settings) = try setUp()
        try connection.simpleQuery("SET lock_timeout = '200ms'")
        let other = try PGConnection(conninfo: settings.database.url)
        try other.simpleQuery("BEGIN; LOCK TABLE throttle_windows IN ACCESS EXCLUSIVE MODE; "
                              + "SELECT 1 FROM revoked_tokens WHERE jti = 'old1' FOR UPDATE")
        let counts = pass(connection, settings, limit: 1000)
        #expect(counts["throttle_windows"] == nil)
        #expect(counts["revoked_tokens"] == 2344, "the row held by the other session is skipped")
        #expect(counts["mfa_events"] == 1234, "purged after the table that failed")
        try other.simpleQuery("COMMIT")
        #expect(pass(connection, settings, limit: 1000) == ["revoked_tokens": 1, "throttle_windows": 700])
    }
}
