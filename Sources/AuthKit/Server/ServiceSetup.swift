import FastCGI
import Logging
import PostgreSQL
import SMTP

/// Start-up steps shared by the CLI commands: logging, listener selection, schema check.
public enum ServiceSetup {
    /// Installs the line logger once per process.
    public static func bootstrapLogging(_ settings: LoggingSettings) {
        let level = Logger.Level(rawValue: settings.level) ?? .info
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level, format: settings.format) }
    }

    /// The outbox sender for the configured transport and templates. Initialises libcurl, so
    /// call it before any thread starts. Takes the whole `Settings`: the sender needs the email
    /// group, the From address (MFA group) and the secret keys (security group).
    public static func outboxSender(_ settings: Settings, clock: any TimeSource = SystemTime()) throws(SettingsError) -> OutboxSender {
        SMTPClient.initialize()
        return OutboxSender(settings: settings.email, from: settings.mfa.fromEmail,
                            secrets: SecretBox(keys: settings.security.encryptionKeys),
                            mailer: Mailers.make(settings.email), templates: try EmailTemplates.load(settings.email),
                            clock: clock)
    }

    /// Picks the socket: `--bind`/AUTHKIT_BIND, else an explicit `--socket`/AUTHKIT_SOCKET, else a
    /// socket passed by systemd (LISTEN_FDS) or by a spawner on fd 0, else the default path.
    public static func listener(settings: ServerSettings, explicitSocket: Bool) throws -> Listener {
        let backlog = Int32(settings.listenBacklog)
        if let bind = settings.bind {
            let (host, port) = try ServerSettings.parseBind(bind, setting: ServerSettings.bind.variable)
            return try Listener.tcp(host: host, port: port, backlog: backlog)
        }
        if !explicitSocket {
            if let fd = Listener.systemdActivatedFD() { return try Listener.inherited(fd: fd) }
            if Listener.isListeningSocket(0) { return try Listener.inherited(fd: 0) }
        }
        return try Listener.unix(path: settings.socketPath, mode: settings.socketMode, backlog: backlog)
    }

    /// What to say when the server refused a connection for good (wrong password, unknown role
    /// or database): waiting cannot help, so `serve` and `migrate` stop and name the setting.
    public static func refusalMessage(_ error: any Error) -> String? {
        guard let error = error as? PGError, let refusal = error.refusal else { return nil }
        let what = refusal == .authentication ? "refuses to authenticate this user" : "has no such database"
        return "\(DatabaseSettings.url.variable): the database server \(what): \(error.message)"
    }

    /// Refuses to serve a schema older than this binary, or a database that refuses the URL's
    /// credentials or does not exist (`refusalMessage`). An unreachable database is only a
    /// warning: the service starts, answers 503 and recovers when the database returns.
    public static func checkSchema(_ settings: DatabaseSettings, logger: Logger) -> Bool {
        do {
            let connection = try Database.connect(settings)
            let pending = try Migrator(connection: connection).status().filter { !$0.applied }
            if !pending.isEmpty {
                logger.critical("database schema is behind this binary: run `authkit migrate`",
                                metadata: ["pending": "\(pending.map { $0.migration.version })"])
                return false
            }
        } catch let error as PGError where error.refusal != nil {
            logger.critical("cannot start: \(refusalMessage(error) ?? error.message)")
            return false
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
