import Foundation
import Synchronization

/// A throwaway PostgreSQL cluster (unix socket only) in a temporary directory, run as the
/// `postgres` user when the tests run as root. Databases are cloned from a migrated template.
public final class PostgresCluster: Sendable {
    public let directory: String
    public let socketDirectory: String
    public let dataDirectory: String
    /// The server's port: its socket in `socketDirectory` is named after it, and with
    /// `listenTCP` it also listens on 127.0.0.1 there.
    public let port: Int
    let bin: String
    private let counter = Mutex(0)
    private let templateReady = Mutex(false)

    /// The cluster most tests share; started on first use.
    public static let shared: Result<PostgresCluster, any Error> = Result { try PostgresCluster() }

    /// `listenTCP`: also listen on 127.0.0.1:`port` (a free port when nil); `configuration`: lines
    /// appended to postgresql.conf (they win over the defaults here); `standbyOf`: a streaming
    /// standby of that cluster, copied with `pg_basebackup -R` as its `replicator` role.
    public init(listenTCP: Bool = false, port: Int? = nil, configuration: String = "",
                standbyOf primary: PostgresCluster? = nil) throws {
        bin = try Self.findBinaries()
        self.port = port ?? (listenTCP ? Paths.freePort() : 5432)
        directory = try Paths.temporaryDirectory("authkit-pg")
        dataDirectory = directory + "/data"
        socketDirectory = directory + "/sock"
        for dir in [dataDirectory, socketDirectory] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            if Shell.isRoot { try Shell.run("/bin/chown", ["postgres:", dir]) }
        }
        chmod(dataDirectory, 0o700)
        if let primary {
            try Shell.runAsPostgres(bin + "/pg_basebackup", [
                "-h", primary.socketDirectory, "-p", "\(primary.port)", "-U", "replicator", "-D", dataDirectory,
                "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"])
        } else {
            try Shell.runAsPostgres(bin + "/initdb", ["-D", dataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                                      "--locale=C.UTF-8", "--no-sync"])
        }
        let conf = """

            listen_addresses = '\(listenTCP ? "127.0.0.1" : "")'
            port = \(self.port)
            unix_socket_directories = '\(socketDirectory)'
            max_connections = 300
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            \(configuration)
            """
        try Shell.runAsPostgres("/bin/sh", ["-c", "cat >> '\(dataDirectory)/postgresql.conf' <<'EOF'\n\(conf)\nEOF"])
        // Stopped and removed when the test process ends: a run leaves no cluster behind (each
        // is up to ~1.5 GB; repeated local runs used to fill /tmp).
        Cleanup.atExit((Shell.isRoot ? "/usr/sbin/runuser -u postgres -- " : "") + "\(bin)/pg_ctl -D \(dataDirectory) -m immediate stop"
                       + "; rm -rf '\(directory)'")
        try start()
    }

    static func findBinaries() throws -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for v in versions.sorted(by: >) where FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(v)/bin/initdb") {
            return "/usr/lib/postgresql/\(v)/bin"
        }
        throw CommandFailure(command: "find initdb", status: 1, output: "PostgreSQL server binaries not found under /usr/lib/postgresql")
    }

    public func start() throws {
        try Shell.runAsPostgres(bin + "/pg_ctl", ["-D", dataDirectory, "-l", dataDirectory + "/server.log", "-w", "-t", "60", "start"])
    }

    /// Stops the server abruptly, as a crash or a network partition would look to clients.
    public func stop() throws {
        try Shell.runAsPostgres(bin + "/pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"])
    }

    /// The postmaster and every process it started (backends, background workers).
    public func serverProcesses() throws -> [Int32] {
        let pidFile = try Shell.runAsPostgres("/bin/cat", [dataDirectory + "/postmaster.pid"]).output
        guard let postmaster = pidFile.split(separator: "\n").first.flatMap({ Int32($0) }) else {
            throw CommandFailure(command: "read postmaster.pid", status: 1, output: pidFile)
        }
        let children = try Shell.run("/bin/ps", ["-o", "pid=", "--ppid", String(postmaster)], allowFailure: true).output
        return [postmaster] + children.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
    }

    /// Freezes the whole server (SIGSTOP to the postmaster and its children): the sockets stay
    /// open and the kernel still accepts connections, but nothing answers. `thaw` undoes it.
    public func freeze() throws {
        for pid in try serverProcesses() { kill(pid, SIGSTOP) }
    }

    public func thaw() throws {
        for pid in try serverProcesses() { kill(pid, SIGCONT) }
    }

    /// Makes `role` (created with `password`) log in with a password over the unix socket;
    /// every other role keeps trust authentication.
    public func requirePassword(role: String, password: String) throws {
        _ = try psql("CREATE ROLE \(role) LOGIN PASSWORD '\(password)'")
        let hba = dataDirectory + "/pg_hba.conf"
        let script = "{ echo 'local all \(role) scram-sha-256'; cat '\(hba)'; } > '\(hba).new' && mv '\(hba).new' '\(hba)'"
        try Shell.runAsPostgres("/bin/sh", ["-c", script])
        _ = try psql("SELECT pg_reload_conf()")
    }

    /// The directory of this cluster's server binaries (psql, pg_ctl).
    public var binaries: String { bin }

    /// A libpq URI for `database` in this cluster.
    public func url(_ database: String) -> String {
        "postgresql:///\(database)?host=\(socketDirectory)&port=\(port)&user=postgres"
    }

    /// Ends recovery of a standby (`pg_ctl promote`, waiting until it accepts writes).
    public func promote() throws {
        try Shell.runAsPostgres(bin + "/pg_ctl", ["-D", dataDirectory, "-w", "-t", "60", "promote"])
    }

    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try Shell.run(bin + "/psql", ["-h", socketDirectory, "-p", "\(port)", "-U", "postgres", "-d", database, "-Atq",
                                      "-v", "ON_ERROR_STOP=1", "-c", sql]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A new empty database; `migrated` clones the template that `authkit migrate` prepared.
    public func createDatabase(migrated: Bool = true) throws -> String {
        let name = "t\(getpid())_\(counter.withLock { $0 += 1; return $0 })"
        if migrated {
            try templateReady.withLock { ready in
                if !ready {
                    _ = try psql("CREATE DATABASE authkit_template")
                    try Shell.run(Paths.binary, ["migrate"], environment: ["AUTHKIT_DATABASE_URL": url("authkit_template"),
                                                                          "AUTHKIT_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin"])
                    ready = true
                }
                _ = try psql("CREATE DATABASE \(name) TEMPLATE authkit_template")
            }
        } else {
            _ = try psql("CREATE DATABASE \(name)")
        }
        return name
    }
}
