import FastCGI
import Logging
import PostgreSQL
import SMTP

/// Start-up steps shared by the CLI commands: logging, listener selection, schema check.
public enum ServiceSetup {
    /// Installs the line logger once per process.
    public static func bootstrapLogging(_ settings: Settings) {
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level, format: settings.logFormat) }
    }

    /// The outbox sender for the configured transport and templates. Initialises libcurl, so
    /// call it before any thread starts.
    public static func outboxSender(_ settings: Settings, clock: any TimeSource = SystemTime()) throws(SettingsError) -> OutboxSender {
        SMTPClient.initialize()
        return OutboxSender(settings: settings, mailer: Mailers.make(settings.email), templates: try EmailTemplates.load(settings.email),
                            clock: clock)
    }

    /// Picks the socket: `--bind`/AUTHKIT_BIND, else an explicit `--socket`/AUTHKIT_SOCKET, else a
    /// socket passed by systemd (LISTEN_FDS) or by a spawner on fd 0, else the default path.
    public static func listener(settings: Settings, explicitSocket: Bool) throws -> Listener {
        let backlog = Int32(settings.listenBacklog)
        if let bind = settings.bind {
            let (host, port) = try Settings.parseBind(bind, setting: "AUTHKIT_BIND")
            return try Listener.tcp(host: host, port: port, backlog: backlog)
        }
        if !explicitSocket {
            if let fd = Listener.systemdActivatedFD() { return try Listener.inherited(fd: fd) }
            if Listener.isListeningSocket(0) { return try Listener.inherited(fd: 0) }
        }
        return try Listener.unix(path: settings.socketPath, mode: settings.socketMode, backlog: backlog)
    }

    /// Refuses to serve a schema older than this binary. An unreachable database is only a
    /// warning: the service starts, answers 503 and recovers when the database returns.
    public static func checkSchema(_ settings: Settings, logger: Logger) -> Bool {
        do {
            let connection = try PGConnection(conninfo: settings.databaseURL,
                                              defaults: [("connect_timeout", String(settings.databaseConnectTimeout))])
            let pending = try Migrator(connection: connection).status().filter { !$0.applied }
            if !pending.isEmpty {
                logger.critical("database schema is behind this binary: run `authkit migrate`",
                                metadata: ["pending": "\(pending.map { $0.migration.version })"])
                return false
            }
        } catch let error as PGError where error.isConnectionFailure {
            logger.warning("database unreachable at start-up; serving 503 until it is back",
                           metadata: ["error": "\(error.message)"])
        } catch {
            logger.critical("cannot check the database schema", metadata: ["error": "\(error)"])
            return false
        }
        return true
    }
}
