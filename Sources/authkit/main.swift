import ArgumentParser
import AuthKit
import Logging
import PostgreSQL
import FastCGI
#if canImport(Glibc)
import Glibc
#endif

struct AuthKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authkit",
        abstract: "Multi-factor authentication service (FastCGI), wire-compatible with \(Version.compatibleWith).",
        version: Version.string,
        subcommands: [Serve.self, Migrate.self, UserCommand.self, MFACommand.self, EventsCommand.self, DoctorCommand.self, SecretsCommand.self, MailCommand.self, SettingsCommand.self, VersionCommand.self])
}

/// Options every command that reads settings accepts.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "A KEY=VALUE file of AUTHKIT_* settings (systemd EnvironmentFile format); the environment overrides it.")
    var config: String?

    func environment() throws -> [String: String] {
        do {
            return try ProcessEnvironment.settingsEnvironment(configFile: config)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func settings(requireDatabase: Bool = true, requireSecretKey: Bool = false, overrides: [String: String] = [:]) throws -> Settings {
        var env = try environment()
        for (k, v) in overrides { env[k] = v }
        do {
            return try Settings.load(from: env, requireDatabase: requireDatabase, requireSecretKey: requireSecretKey)
        } catch {
            throw ValidationError("invalid setting \(error.description)")
        }
    }
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Answer FastCGI requests until SIGTERM or SIGINT.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Unix socket path to listen on (default AUTHKIT_SOCKET or /run/authkit/authkit.sock).")
    var socket: String?

    @Option(help: "Listen on TCP HOST:PORT instead of a unix socket, e.g. 127.0.0.1:9000.")
    var bind: String?

    @Option(help: "Worker threads, each with its own PostgreSQL connection (default 2 x cores).")
    var workers: Int?

    func run() throws {
        Server.blockSignals()
        var overrides: [String: String] = [:]
        if let socket { overrides["AUTHKIT_SOCKET"] = socket }
        if let bind { overrides["AUTHKIT_BIND"] = bind }
        if let workers { overrides["AUTHKIT_WORKERS"] = String(workers) }
        let environment = try options.environment()
        let settings = try options.settings(requireSecretKey: true, overrides: overrides)
        ServiceSetup.bootstrapLogging(settings.logging)
        let logger = Logger(label: "authkit")
        for name in settings.unknownVariables {
            logger.warning("unknown setting ignored (typo?)", metadata: ["variable": "\(name)"])
        }
        if settings.cookies.sameSite == "None" && !settings.cookies.secure {
            logger.warning("AUTHKIT_AUTH_COOKIE_SAMESITE=None without AUTHKIT_AUTH_COOKIE_SECURE=true: browsers drop such cookies")
        }
        if settings.security.encryptionKeysDerived {
            logger.warning("AUTHKIT_SECRET_ENCRYPTION_KEYS is not set: TOTP secrets use a key derived from AUTHKIT_SECRET_KEY (development only; see `authkit doctor`)")
        }
        guard ServiceSetup.checkSchema(settings.database, logger: logger) else { throw ExitCode(1) }
        let explicitSocket = socket != nil || environment["AUTHKIT_SOCKET"].map { !$0.isEmpty } == true
        let listener: Listener
        do {
            listener = try ServiceSetup.listener(settings: settings.server, explicitSocket: explicitSocket)
        } catch {
            logger.critical("cannot listen", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        let sender: OutboxSender
        do {
            sender = try ServiceSetup.outboxSender(settings)
        } catch {
            throw ValidationError("invalid setting \(error.description)")
        }
        // The common-password dictionary is opened now: a missing one stops the start.
        let policy: PasswordPolicy
        do {
            policy = try PasswordPolicy(settings: settings.passwords) { [logger] problem in
                logger.error("password dictionary unreadable; the common check passes", metadata: ["error": "\(problem)"])
            }
        } catch {
            throw ValidationError("invalid setting \(error.description)")
        }
        let application = Application(settings: settings, passwordPolicy: policy)
        let server = Server(application: application, listener: listener, logger: logger, sender: sender)
        let status = server.run()
        if status != 0 { throw ExitCode(status) }
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations (safe to run from several hosts at once).")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Only list migrations and whether each is applied.")
    var status = false

    func run() throws {
        let settings = try options.settings()
        ServiceSetup.bootstrapLogging(settings.logging)
        let logger = Logger(label: "authkit.migrate")
        do {
            let connection = try Database.connect(settings.database, applicationName: "authkit migrate",
                                                  migration: true)
            let migrator = Migrator(connection: connection)
            if status {
                for entry in try migrator.status() {
                    print("\(entry.applied ? "applied" : "pending") \(entry.migration.version) \(entry.migration.name)")
                }
                return
            }
            let applied = try migrator.migrate(logger: logger)
            print(applied.isEmpty ? "database is up to date" : "applied \(applied.count) migration(s)")
        } catch {
            printError("migrate failed: \(ServiceSetup.refusalMessage(error) ?? "\(error)")")
            throw ExitCode(1)
        }
    }
}

struct MailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mail", abstract: "The code-email outbox.",
                                                    subcommands: [Deliver.self])

    struct Deliver: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliver due outbox rows with the configured transport (for cron or debugging).")
        @OptionGroup var options: ConfigOptions
        @Flag(help: "One pass, then exit (the only mode: `serve` runs the continuous sender).") var once = false

        func run() throws {
            guard once else { throw ValidationError("use --once (authkit serve delivers continuously)") }
            let settings = try options.settings(requireSecretKey: false)
            ServiceSetup.bootstrapLogging(settings.logging)
            let logger = Logger(label: "authkit.mail")
            let sender: OutboxSender
            do {
                sender = try ServiceSetup.outboxSender(settings)
            } catch {
                throw ValidationError("invalid setting \(error.description)")
            }
            do {
                let connection = try Database.connect(settings.database, applicationName: "authkit mail")
                let r = try sender.deliverDue(connection, logger: logger)
                print("sent \(r.sent), retry scheduled \(r.retried), failed \(r.failed), expired \(r.expired)")
            } catch {
                printError("mail deliver failed: \(error)")
                throw ExitCode(1)
            }
        }
    }
}

struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "List every AUTHKIT_* setting with its default (Markdown table).")

    func run() {
        print(SettingsCatalog.markdownTable)
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print("authkit \(Version.string) — compatible with \(Version.compatibleWith)")
    }
}

func printError(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

AuthKitCommand.main()
