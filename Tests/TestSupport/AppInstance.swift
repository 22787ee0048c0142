import Foundation

/// The real `authkit serve` binary, started on a unix socket in a temporary directory, with its
/// log captured in a file.
public final class AppInstance: @unchecked Sendable {
    public let process: Subprocess
    public let directory: String
    public let socketPath: String
    public let logPath: String
    /// AUTHKIT_EMAIL_FILE_DIR: one .eml file per code email.
    public let mailDirectory: String
    public let environment: [String: String]

    /// `settings` are AUTHKIT_* overrides; `arguments` extra `serve` flags; `binary` another
    /// `authkit` than the one built with the tests (the packaged one: PackageTests).
    public init(databaseURL: String, settings: [String: String] = [:], arguments: [String] = [],
                stdinFD: Int32? = nil, waitForSocket: Bool = true, binary: String = Paths.binary) throws {
        directory = try Paths.temporaryDirectory("authkit-app")
        socketPath = directory + "/authkit.sock"
        logPath = directory + "/authkit.log"
        mailDirectory = directory + "/mail"
        try FileManager.default.createDirectory(atPath: mailDirectory, withIntermediateDirectories: true)
        var env: [String: String] = [
            "PATH": "/usr/bin:/bin",
            "AUTHKIT_DATABASE_URL": databaseURL,
            "AUTHKIT_SOCKET": socketPath,
            "AUTHKIT_SOCKET_MODE": "0666",
            "AUTHKIT_WORKERS": "4",
            "AUTHKIT_SHUTDOWN_TIMEOUT": "10",
            "AUTHKIT_SECRET_KEY": TestKeys.secretKey,
            // Its own key for secrets at rest, as production needs (never derived from the secret key).
            "AUTHKIT_SECRET_ENCRYPTION_KEYS": TestKeys.encryptionKeys,
            // Fast hashing, except where a test sets the default on purpose.
            "AUTHKIT_PASSWORD_HASH_ITERATIONS": "1000",
            // The explicit development transport; EmailDeliveryTests use a real SMTP server.
            "AUTHKIT_EMAIL_BACKEND": "file",
            "AUTHKIT_EMAIL_FILE_DIR": mailDirectory,
            "AUTHKIT_EMAIL_POLL_INTERVAL": "0.05",
            // Every test request comes from 127.0.0.1 and many tests send wrong codes on purpose:
            // limits are relaxed here and tested with their defaults in SecurityTests.
            "AUTHKIT_THROTTLE_RATES": "none",
            "AUTHKIT_MFA_FAILURES_BEFORE_DELAY": "50",
            "AUTHKIT_PASSWORD_FAILURES_BEFORE_DELAY": "50",
            "AUTHKIT_MFA_SEND_COOLDOWN": "0",
            // Mailboxes here hold code emails only, so tests can take "the next message" as the
            // code; SecurityNoticeTests switch the notices on.
            "AUTHKIT_SECURITY_NOTICES": "none",
        ]
        for (k, v) in settings { env[k] = v }
        environment = env
        process = try Subprocess(binary, ["serve"] + arguments, environment: env, stdinFD: stdinFD, output: .file(logPath))
        if waitForSocket {
            let socketPath = self.socketPath
            guard Paths.waitFor(seconds: 20, { FileManager.default.fileExists(atPath: socketPath) || !process.isRunning }),
                  process.isRunning else {
                throw CommandFailure(command: "authkit serve", status: 1, output: log())
            }
        }
    }

    public var pid: Int32 { process.pid }

    public func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends SIGTERM and waits for the exit status.
    @discardableResult
    public func terminate(timeout: Double = 20) -> Int32? {
        process.signal(SIGTERM)
        return process.wait(seconds: timeout)
    }
}

/// nginx configured from the repository's nginx/nginx.conf and nginx/authkit.conf (the files
/// deploy/up uses), on a free loopback port.
public final class NginxInstance: @unchecked Sendable {
    public let process: Subprocess
    public let port: Int
    public let prefix: String

    /// Retries on another port when the one picked was taken meanwhile by a parallel test.
    /// `keepConnections` renders the snippet with `fastcgi_keep_conn on` (the shipped one has it
    /// off); add `keepalive N;` to `upstream` to go with it.
    /// `trustedProxy`: an address nginx's realip module believes X-Forwarded-For from (the
    /// load balancer of a real deployment); none by default.
    /// `port`: listen there instead of a free port picked here (when the app must know the
    /// origin in advance, as WebAuthn's AUTHKIT_WEBAUTHN_ORIGIN does).
    /// `snippet`: another copy of nginx/authkit.conf (the packaged one: PackageTests).
    public init(upstream: String, keepConnections: Bool = false, trustedProxy: String? = nil,
                port fixedPort: Int? = nil, snippet snippetPath: String? = nil) throws {
        prefix = try Paths.temporaryDirectory("authkit-nginx")
        let template = try String(contentsOf: Paths.root.appendingPathComponent("nginx/nginx.conf"), encoding: .utf8)
        var snippet = snippetPath ?? Paths.root.appendingPathComponent("nginx/authkit.conf").path
        if keepConnections {
            let text = try String(contentsOfFile: snippet, encoding: .utf8)
            precondition(text.contains("fastcgi_keep_conn off;"), "the snippet no longer says fastcgi_keep_conn off")
            snippet = prefix + "/authkit-keep-conn.conf"
            try text.replacingOccurrences(of: "fastcgi_keep_conn off;", with: "fastcgi_keep_conn on;")
                .write(toFile: snippet, atomically: true, encoding: .utf8)
        }
        var attempt = 0
        while true {
            attempt += 1
            let port = fixedPort ?? Paths.freePort()
            let conf = template
                .replacingOccurrences(of: "@PREFIX@", with: prefix)
                .replacingOccurrences(of: "@LISTEN@", with: "127.0.0.1:\(port)")
                .replacingOccurrences(of: "@UPSTREAM@", with: upstream)
                .replacingOccurrences(of: "@SNIPPET@", with: snippet)
                .replacingOccurrences(of: "@WEBROOT@", with: Paths.root.appendingPathComponent("web").path)
                .replacingOccurrences(of: "@REALIP@", with: trustedProxy.map {
                    "set_real_ip_from \($0); real_ip_header X-Forwarded-For; real_ip_recursive on;"
                } ?? "")
            try conf.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
            let process = try Subprocess("/usr/sbin/nginx", ["-p", prefix, "-c", prefix + "/nginx.conf", "-e", prefix + "/error.log",
                                                             "-g", "daemon off;"])
            let ready = Paths.waitFor(seconds: 20) { (try? HTTPClient(port: port).get("/__probe__")) != nil || !process.isRunning }
            if ready && process.isRunning {
                self.port = port
                self.process = process
                return
            }
            let log = (try? String(contentsOfFile: prefix + "/error.log", encoding: .utf8)) ?? ""
            if attempt < 5 && fixedPort == nil && log.contains("Address already in use") { continue }
            throw CommandFailure(command: "nginx", status: 1, output: log)
        }
    }

    public func stop() {
        process.signal(SIGQUIT)
        _ = process.wait(seconds: 10)
    }

    /// nginx's error log, for failure messages.
    public func errorLog() -> String { (try? String(contentsOfFile: prefix + "/error.log", encoding: .utf8)) ?? "" }
}

/// A database, the app and nginx in front of it: what a client sees.
public final class Stack: @unchecked Sendable {
    public let cluster: PostgresCluster
    public let database: String
    public let app: AppInstance
    public let nginx: NginxInstance
    public let http: HTTPClient

    /// A stack over processes the test started itself (several instances behind one nginx).
    public init(existing cluster: PostgresCluster, database: String, app: AppInstance, nginx: NginxInstance) throws {
        self.cluster = cluster
        self.database = database
        self.app = app
        self.nginx = nginx
        http = HTTPClient(port: nginx.port, prefix: "/api/auth/")
    }

    /// `trustedProxy`: the address nginx believes X-Forwarded-For from (none by default).
    /// `port`: nginx's port, when the settings must name the origin (none: a free one).
    public init(cluster: PostgresCluster? = nil, settings: [String: String] = [:], trustedProxy: String? = nil,
                port: Int? = nil) throws {
        self.cluster = try cluster ?? PostgresCluster.shared.get()
        database = try self.cluster.createDatabase()
        app = try AppInstance(databaseURL: self.cluster.url(database), settings: settings)
        nginx = try NginxInstance(upstream: "server unix:\(app.socketPath);", trustedProxy: trustedProxy, port: port)
        http = HTTPClient(port: nginx.port, prefix: "/api/auth/")
    }

    public func stop() {
        nginx.stop()
        app.terminate()
    }

    /// Runs the authkit CLI against this stack's database.
    @discardableResult
    public func cli(_ arguments: [String], stdin: String? = nil, allowFailure: Bool = false) throws -> (status: Int32, output: String) {
        var env = app.environment
        env["AUTHKIT_LOG_LEVEL"] = "warning"
        guard let stdin else { return try Shell.run(Paths.binary, arguments, environment: env, allowFailure: allowFailure) }
        let dir = try Paths.temporaryDirectory("authkit-stdin")
        try stdin.write(toFile: dir + "/in", atomically: true, encoding: .utf8)
        return try Shell.run("/bin/sh", ["-c", "exec \"$0\" \"$@\" < '\(dir)/in'", Paths.binary] + arguments, environment: env,
                             allowFailure: allowFailure)
    }

    /// Creates an account with `authkit user create` (the way operators do).
    @discardableResult
    public func createUser(_ username: String, password: String = "S3cret-pass!", email: String? = nil) throws -> Int64 {
        let out = try cli(["user", "create", "--username", username, "--email", email ?? "\(username)@example.com", "--password-stdin"],
                          stdin: password + "\n").output
        guard let id = out.split(separator: "(id ").last.flatMap({ Int64($0.prefix { $0.isNumber }) }) else {
            throw CommandFailure(command: "user create", status: 1, output: out)
        }
        return id
    }

    public func psql(_ sql: String) throws -> String { try cluster.psql(sql, database: database) }
}

public enum TestKeys {
    /// The AUTHKIT_SECRET_KEY of test instances; tests forge tokens with it.
    public static let secretKey = "test-secret-key-for-interop-0123456789abcdef"
    /// The AUTHKIT_SECRET_ENCRYPTION_KEYS of test instances (a fixed 32-byte key).
    public static let encryptionKeys = "t1:dGVzdC1lbmNyeXB0aW9uLWtleS0wMTIzNDU2Nzg5YWI="
}
