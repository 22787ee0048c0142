import Foundation

/// Debian's `pgbouncer` in front of a test cluster, in transaction mode, on a free loopback
/// port, run as the `postgres` user (PgBouncer refuses root) from a generated ini.
public final class PgBouncer: Sendable {
    public let port: Int
    public let directory: String
    public let cluster: PostgresCluster

    /// `poolSize`: server connections per database and user (small, so clients share them).
    public init(cluster: PostgresCluster, poolSize: Int = 4) throws {
        self.cluster = cluster
        directory = try Paths.temporaryDirectory("authkit-pgbouncer")
        if Shell.isRoot { try Shell.run("/bin/chown", ["postgres:", directory]) }
        var attempt = 0
        while true {
            attempt += 1
            let port = Paths.freePort()
            // auth_type trust still needs the user in auth_file. The app sets only
            // application_name at startup, which PgBouncer tracks itself.
            let ini = """
                [databases]
                * = host=\(cluster.socketDirectory) port=\(cluster.port)
                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = \(port)
                unix_socket_dir =
                auth_type = trust
                auth_file = \(directory)/userlist.txt
                admin_users = postgres
                pool_mode = transaction
                default_pool_size = \(poolSize)
                max_client_conn = 500
                server_reset_query =
                logfile = \(directory)/pgbouncer.log
                pidfile = \(directory)/pgbouncer.pid
                """
            try ini.write(toFile: directory + "/pgbouncer.ini", atomically: true, encoding: .utf8)
            try #""postgres" """#.write(toFile: directory + "/userlist.txt", atomically: true, encoding: .utf8)
            try Shell.runAsPostgres("/usr/sbin/pgbouncer", ["-d", directory + "/pgbouncer.ini"])
            let bin = cluster.bin
            let ready = Paths.waitFor(seconds: 10) { (try? Self.admin(bin: bin, port: port, "SHOW VERSION")) != nil }
            if ready {
                self.port = port
                Cleanup.atExit("kill $(cat \(directory)/pgbouncer.pid 2>/dev/null)")
                return
            }
            let log = (try? String(contentsOfFile: directory + "/pgbouncer.log", encoding: .utf8)) ?? ""
            Self.stop(directory: directory)
            if attempt < 5 && log.contains("Address already in use") { continue }
            throw CommandFailure(command: "pgbouncer", status: 1, output: log)
        }
    }

    /// A libpq URI for `database` through the bouncer.
    public func url(_ database: String) -> String {
        "postgresql://postgres@127.0.0.1:\(port)/\(database)"
    }

    /// Runs a command on PgBouncer's admin console (`SHOW STATS`, `SHOW POOLS`...).
    public func admin(_ command: String) throws -> String {
        try Self.admin(bin: cluster.bin, port: port, command)
    }

    static func admin(bin: String, port: Int, _ command: String) throws -> String {
        try Shell.run(bin + "/psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", "pgbouncer",
                                      "-Atq", "-F", "|", "-c", command]).output
    }

    public func log() -> String { (try? String(contentsOfFile: directory + "/pgbouncer.log", encoding: .utf8)) ?? "" }

    public func stop() { Self.stop(directory: directory) }

    static func stop(directory: String) {
        if let pid = (try? String(contentsOfFile: directory + "/pgbouncer.pid", encoding: .utf8))
            .flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
            kill(pid, SIGTERM)
            _ = Paths.waitFor(seconds: 10) { kill(pid, 0) != 0 }
        }
    }
}
