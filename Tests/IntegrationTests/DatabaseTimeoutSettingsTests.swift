import AuthKit
import Foundation
import Logging
import PostgreSQL
import Testing
import TestSupport

/// The session timeouts reach the server (or deliberately do not), and a cancelled statement is
/// a `DatabaseUnavailable` that leaves the connection clean for the next caller.
@Suite struct DatabaseTimeoutSettingsTests {
    func settings(_ url: String, _ extra: [String: String] = [:]) throws -> DatabaseSettings {
        var env = ["AUTHKIT_DATABASE_URL": url, "AUTHKIT_DATABASE_STATEMENT_TIMEOUT": "1.5",
                   "AUTHKIT_DATABASE_LOCK_TIMEOUT": "0.5", "AUTHKIT_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT": "7"]
        for (k, v) in extra { env[k] = v }
        return try Settings.load(from: env).database
    }

    func show(_ connection: PGConnection, _ name: String) throws -> String {
        try connection.query("SELECT current_setting($1)", [name]).string(0, 0) ?? ""
    }

    @Test func everyConnectionCarriesTheTimeouts() throws {
        let cluster = try PostgresCluster.shared.get()
        let url = cluster.url(try cluster.createDatabase())
        let connection = try Database.connect(settings(url))
        #expect(try show(connection, "statement_timeout") == "1500ms")
        #expect(try show(connection, "lock_timeout") == "500ms")
        #expect(try show(connection, "idle_in_transaction_session_timeout") == "7s")

        let migration = try Database.connect(settings(url), migration: true)
        #expect(try show(migration, "statement_timeout") == "10min")
        #expect(try show(migration, "lock_timeout") == "1min")

        // The URL's own `options` are kept, and win where they say the same.
        let merged = try Database.connect(settings(url + "&options=-c%20lock_timeout%3D3s%20-c%20work_mem%3D8MB"))
        #expect(try show(merged, "lock_timeout") == "3s")
        #expect(try show(merged, "work_mem") == "8MB")
        #expect(try show(merged, "statement_timeout") == "1500ms")

        // Behind PgBouncer in transaction mode: no `options` at all (the role's settings apply).
        let bare = try Database.connect(settings(url, ["AUTHKIT_DATABASE_SESSION_OPTIONS": "false"]))
        #expect(try show(bare, "statement_timeout") == "0")
    }

    @Test func aCancelledStatementIsUnavailableAndTheConnectionStaysUsable() throws {
        let cluster = try PostgresCluster.shared.get()
        let database = Database(settings: try settings(cluster.url(try cluster.createDatabase())))
        let logger = Logger(label: "test")
        #expect(throws: DatabaseUnavailable.self) {
            try database.run(logger: logger) { connection in
                // A transaction opened outside `PGConnection.transaction`, then a statement timeout.
                try connection.simpleQuery("BEGIN")
                try connection.query("SELECT pg_sleep(5)")
            }
        }
        let state = try database.run(logger: logger) { connection in
            (connection.inTransaction, try connection.query("SELECT 1").int(0, 0))
        }
        #expect(state.0 == false && state.1 == 1, "the next caller starts outside any transaction")
        do {
            try database.run(logger: logger) { try $0.query("SELECT pg_sleep(5)") }
        } catch let error as DatabaseUnavailable {
            #expect(error.underlying?.sqlState == "57014")
        }
    }
}
