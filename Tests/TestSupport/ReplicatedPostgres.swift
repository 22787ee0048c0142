import Foundation

/// A primary and its synchronous streaming standby, each on its own 127.0.0.1 port, as a
/// failover test needs: the standby is copied with `pg_basebackup -R` as a `replicator` role,
/// and only then does the primary wait for it at commit (`synchronous_standby_names = '*'`,
/// `synchronous_commit = on`), so every acknowledged commit is on both.
public struct ReplicatedPostgres: Sendable {
    public let primary: PostgresCluster
    public let standby: PostgresCluster

    public init() throws {
        let replication = """
            wal_level = replica
            max_wal_senders = 4
            hot_standby = on
            synchronous_commit = on
            """
        primary = try PostgresCluster(listenTCP: true, configuration: replication)
        _ = try primary.psql("CREATE ROLE replicator WITH REPLICATION LOGIN")
        standby = try PostgresCluster(listenTCP: true, configuration: replication, standbyOf: primary)
        // After the copy: a standby promoted with this setting would wait for a standby of its own.
        _ = try primary.psql("ALTER SYSTEM SET synchronous_standby_names = '*'")
        _ = try primary.psql("SELECT pg_reload_conf()")
        let primary = self.primary
        let inSync = Paths.waitFor(seconds: 30) {
            (try? primary.psql("SELECT sync_state FROM pg_stat_replication")) == "sync"
        }
        guard inSync else {
            throw CommandFailure(command: "synchronous standby", status: 1,
                                 output: (try? primary.psql("SELECT * FROM pg_stat_replication")) ?? "")
        }
    }

    /// A libpq multi-host URI naming both servers: each connection goes to whichever accepts
    /// writes now. `connect_timeout` bounds an attempt at a host that does not answer.
    public func url(_ database: String) -> String {
        "postgresql://postgres@127.0.0.1:\(primary.port),127.0.0.1:\(standby.port)/\(database)"
            + "?target_session_attrs=read-write&connect_timeout=2"
    }
}
