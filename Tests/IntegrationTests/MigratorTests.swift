import AuthKit
import Foundation
import Logging
import PostgreSQL
import Testing
import TestSupport

/// `authkit migrate` and the Migrator against a real PostgreSQL.
@Suite struct MigratorTests {
    func freshDatabase() throws -> (PostgresCluster, String) {
        let cluster = try PostgresCluster.shared.get()
        return (cluster, try cluster.createDatabase(migrated: false))
    }

    @Test func migrateIsIdempotentAndRecordsEveryFile() throws {
        let (cluster, db) = try freshDatabase()
        let env = ["AUTHKIT_DATABASE_URL": cluster.url(db), "AUTHKIT_LOG_LEVEL": "warning"]
        let first = try Shell.run(Paths.binary, ["migrate"], environment: env)
        #expect(first.output.contains("applied \(Migration.all.count) migration(s)"))
        let second = try Shell.run(Paths.binary, ["migrate"], environment: env)
        #expect(second.output.contains("database is up to date"))
        #expect(try cluster.psql("SELECT count(*) FROM schema_migrations", database: db) == String(Migration.all.count))
        let status = try Shell.run(Paths.binary, ["migrate", "--status"], environment: env)
        #expect(status.output.contains("applied 1 schema_migrations"))
    }

    @Test func concurrentMigrationsApplyEachFileOnce() throws {
        let (cluster, db) = try freshDatabase()
        let env = ["AUTHKIT_DATABASE_URL": cluster.url(db), "AUTHKIT_LOG_LEVEL": "warning"]
        let dir = try Paths.temporaryDirectory("authkit-migrate")
        let children = try (0..<4).map { i in
            try Subprocess(Paths.binary, ["migrate"], environment: env, output: .file("\(dir)/out\(i)"))
        }
        #expect(children.map { $0.wait() } == [0, 0, 0, 0])
        #expect(try cluster.psql("SELECT count(*) FROM schema_migrations", database: db) == String(Migration.all.count))
    }

    @Test func aChangedMigrationIsRefused() throws {
        let (cluster, db) = try freshDatabase()
        let connection = try PGConnection(conninfo: cluster.url(db))
        let logger = Logger(label: "test")
        let original = Migration.testing(version: 1, name: "t", sql: "CREATE TABLE t (a int)")
        #expect(try Migrator(connection: connection, migrations: [original]).migrate(logger: logger).count == 1)
        let edited = Migration.testing(version: 1, name: "t", sql: "CREATE TABLE t (a bigint)")
        #expect(throws: Migrator.Failure.self) { try Migrator(connection: connection, migrations: [edited]).migrate(logger: logger) }
    }

    @Test func aFailingMigrationLeavesNothingHalfApplied() throws {
        let (cluster, db) = try freshDatabase()
        let connection = try PGConnection(conninfo: cluster.url(db))
        let bad = Migration.testing(version: 1, name: "bad", sql: "CREATE TABLE half (a int); SELECT no_such_function();")
        #expect(throws: PGError.self) { try Migrator(connection: connection, migrations: [bad]).migrate(logger: Logger(label: "test")) }
        #expect(try cluster.psql("SELECT to_regclass('half') IS NULL", database: db) == "t")
        #expect(try cluster.psql("SELECT count(*) FROM schema_migrations", database: db) == "0")
    }

    /// DBAs read the schema from `\\d+`: every table, view and column says what it is.
    @Test func everyTableViewAndColumnHasAComment() throws {
        let cluster = try PostgresCluster.shared.get()
        let db = try cluster.createDatabase()
        let uncommented = try cluster.psql("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            WHERE c.relkind IN ('r', 'v') AND obj_description(c.oid, 'pg_class') IS NULL
            UNION ALL
            SELECT c.relname || '.' || a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'v') AND col_description(c.oid, a.attnum) IS NULL
            ORDER BY 1
            """, database: db)
        #expect(uncommented == "")
        #expect(try cluster.psql("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v')",
                                 database: db) == "13")
    }

    @Test func serveRefusesASchemaBehindTheBinary() throws {
        let (cluster, db) = try freshDatabase()
        let (status, output) = try Shell.run(Paths.binary, ["serve", "--socket", "/tmp/authkit-unused-\(getpid()).sock"],
                                             environment: ["AUTHKIT_DATABASE_URL": cluster.url(db), "AUTHKIT_SECRET_KEY": TestKeys.secretKey,
                                                           "AUTHKIT_MFA_HANDLERS": "app"],
                                             allowFailure: true)
        #expect(status == 1)
        #expect(output.contains("run `authkit migrate`"))
    }
}
