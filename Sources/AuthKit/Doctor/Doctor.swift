import PostgreSQL
import SMTP
#if canImport(Glibc)
import Glibc
#endif

/// `authkit doctor`: checks an instance's configuration and surroundings and says, in plain
/// words, what is wrong. Read-only: it changes nothing and sends no email.
public struct Doctor {
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public enum Level: String, Sendable { case ok = "ok", warning = "WARN", failure = "FAIL" }
        public let level: Level
        public let topic: String
        public let message: String

        public var description: String {
            level.rawValue.padding(5) + " " + topic + ": " + message
        }
    }

    let environment: [String: String]
    let clock: any TimeSource

    public init(environment: [String: String], clock: any TimeSource = SystemTime()) {
        self.environment = environment
        self.clock = clock
    }

    /// Every finding, in the order the checks ran. Checks that need a working earlier step
    /// (settings, then the database) are skipped when it failed.
    public func run() -> [Finding] {
        var findings: [Finding] = []
        func add(_ level: Finding.Level, _ topic: String, _ message: String) {
            findings.append(Finding(level: level, topic: topic, message: message))
        }

        // Configuration.
        let settings: Settings
        do {
            settings = try Settings.load(from: environment, requireDatabase: true, requireSecretKey: true)
        } catch {
            add(.failure, "configuration", "invalid setting \(error.description)")
            return findings
        }
        let count = environment.keys.filter { $0.hasPrefix(SettingsCatalog.prefix) }.count
        add(.ok, "configuration", "\(count) AUTHKIT_* variable(s) read; every value is valid")
        for name in settings.unknownVariables.sorted() {
            add(.warning, "configuration", "\(name) is not a setting (a typo?); it is ignored")
        }
        findings += Self.secretKeyFindings(settings.tokens.secretKey)
        if settings.hashing.passwordIterations < 600_000 {
            add(.warning, "passwords", "AUTHKIT_PASSWORD_HASH_ITERATIONS=\(settings.hashing.passwordIterations) is below 600,000 (OWASP's floor for PBKDF2-SHA256): stolen hashes would be cheap to guess")
        }
        if settings.cookies.useAuthCookie && !settings.cookies.secure {
            add(.warning, "cookies", "auth cookies are sent without Secure: set AUTHKIT_AUTH_COOKIE_SECURE=true when clients reach nginx over HTTPS")
        }
        if settings.server.bind == nil, !environment.keys.contains("LISTEN_FDS") {
            let directory = settings.server.socketPath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            if !directory.isEmpty && access(directory, W_OK) != 0 {
                add(.warning, "socket", "\(directory) does not exist or is not writable by this user: `authkit serve` cannot create \(settings.server.socketPath) (systemd socket activation does not need it)")
            }
        }
        do {
            _ = try EmailTemplates.load(settings.email)
        } catch {
            add(.failure, "email templates", error.description)
        }

        // Database.
        // The key's origin matters whatever the database says.
        if settings.security.encryptionKeysDerived { findings += Self.derivedKeyFindings }
        let started = MonotonicClock.nanoseconds()
        let connection: PGConnection
        do {
            connection = try Database.connect(settings.database, applicationName: "authkit doctor")
        } catch {
            add(.failure, "database", "cannot connect (AUTHKIT_DATABASE_URL): \(error.message)")
            findings += smtpFindings(settings.email)
            return findings
        }
        let millis = (MonotonicClock.nanoseconds() - started) / 1_000_000
        let version = (try? connection.query("SHOW server_version").string(0, 0)) ?? "?"
        add(.ok, "database", "connected to PostgreSQL \(version) in \(millis) ms")
        findings += migrationFindings(connection)
        findings += connectionBudgetFindings(connection, settings.server)
        findings += encryptionFindings(connection, settings.security)
        findings += clockFindings(connection)
        findings += smtpFindings(settings.email)
        return findings
    }

    static func secretKeyFindings(_ key: String) -> [Finding] {
        let distinct = Set(key.unicodeScalars).count
        let lowered = key.lowercased()
        if ["change-me", "changeme", "example", "placeholder", "your-secret"].contains(where: { lowered.contains($0) }) {
            return [Finding(level: .failure, topic: "secret key", message: "AUTHKIT_SECRET_KEY looks like a placeholder: anyone who guesses it can forge tokens; use `head -c 48 /dev/urandom | base64`")]
        }
        if distinct < 10 {
            return [Finding(level: .failure, topic: "secret key", message: "AUTHKIT_SECRET_KEY has only \(distinct) distinct characters: not random; use `head -c 48 /dev/urandom | base64`")]
        }
        if key.count < 50 {
            return [Finding(level: .warning, topic: "secret key", message: "AUTHKIT_SECRET_KEY has \(key.count) characters; 50 or more random ones are recommended (Django's check)")]
        }
        return [Finding(level: .ok, topic: "secret key", message: "\(key.count) characters, \(distinct) distinct")]
    }

    func migrationFindings(_ connection: PGConnection) -> [Finding] {
        do {
            let status = try Migrator(connection: connection).status()
            let pending = status.filter { !$0.applied }
            let changed = status.filter(\.changed)
            var out: [Finding] = []
            if !changed.isEmpty {
                out.append(Finding(level: .failure, topic: "migrations", message: "applied migration(s) \(changed.map { "\($0.migration.version) (\($0.migration.name))" }.joined(separator: ", ")) differ from this binary's: the schema was changed after the fact"))
            }
            if !pending.isEmpty {
                out.append(Finding(level: .failure, topic: "migrations", message: "\(pending.count) of \(status.count) pending (\(pending.map { "\($0.migration.version) (\($0.migration.name))" }.joined(separator: ", "))): run `authkit migrate`; `serve` refuses to start until then"))
            } else if changed.isEmpty {
                out.append(Finding(level: .ok, topic: "migrations", message: "all \(status.count) applied (schema version \(status.last?.migration.version ?? 0))"))
            }
            return out
        } catch {
            return [Finding(level: .failure, topic: "migrations", message: "\(error)")]
        }
    }

    func connectionBudgetFindings(_ connection: PGConnection, _ settings: ServerSettings) -> [Finding] {
        guard let max = try? connection.query("SHOW max_connections").int(0, 0),
              let reserved = try? connection.query("SHOW superuser_reserved_connections").int(0, 0),
              let inUse = try? connection.query("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'").int(0, 0)
        else { return [] }
        let need = settings.workers + 2
        let free = max - reserved - inUse
        let message = "this instance opens up to \(need) connection(s) (AUTHKIT_WORKERS=\(settings.workers) + 2); the server allows \(max) (\(reserved) reserved), \(inUse) in use now"
        return [Finding(level: need > free ? .warning : .ok, topic: "connections",
                        message: need > free ? message + ": not enough left for this instance (lower AUTHKIT_WORKERS or use PgBouncer, docs/scaling.md)" : message)]
    }

    /// The development key derived from AUTHKIT_SECRET_KEY is a failure whatever the rows hold.
    static let derivedKeyFindings = [Finding(level: .failure, topic: "encryption keys", message: """
        AUTHKIT_SECRET_ENCRYPTION_KEYS is not set: TOTP secrets are encrypted with a key derived from \
        AUTHKIT_SECRET_KEY, which Django services sharing that key also hold, so a database dump plus that key \
        reveals every secret. Set AUTHKIT_SECRET_ENCRYPTION_KEYS to `authkit secrets generate-key` followed by \
        `authkit secrets derived-key` (so existing secrets still open), then run `authkit secrets rotate`
        """)]

    func encryptionFindings(_ connection: PGConnection, _ settings: SecuritySettings) -> [Finding] {
        guard (try? connection.query("SELECT to_regclass('mfa_methods') IS NOT NULL").bool(0, 0)) == true,
              let rows = try? connection.query("SELECT user_id, name, secret FROM mfa_methods") else { return [] }
        // Reported before the database is asked (`derivedKeyFindings`).
        if settings.encryptionKeysDerived { return [] }
        let box = SecretBox(keys: settings.encryptionKeys)
        var unreadable = 0, old = 0
        for row in 0..<rows.rowCount {
            guard let userID = rows.int(row, 0), let name = rows.string(row, 1), let secret = rows.string(row, 2),
                  (try? box.open(secret, userID: Int64(userID), method: name)) != nil else {
                unreadable += 1
                continue
            }
            if !box.isCurrent(secret) { old += 1 }
        }
        let newest = settings.encryptionKeys.first?.id ?? "-"
        if unreadable > 0 {
            return [Finding(level: .failure, topic: "encryption keys", message: "\(unreadable) of \(rows.rowCount) TOTP secret(s) cannot be decrypted with AUTHKIT_SECRET_ENCRYPTION_KEYS (a key was removed, or AUTHKIT_SECRET_KEY changed): those users cannot pass their second factor")]
        }
        if old > 0 {
            return [Finding(level: .warning, topic: "encryption keys", message: "\(old) of \(rows.rowCount) secret(s) are not under the newest key (\(newest)) or are legacy plaintext: run `authkit secrets rotate`")]
        }
        return [Finding(level: .ok, topic: "encryption keys", message: "all \(rows.rowCount) TOTP secret(s) decrypt, all under the newest key (\(newest))")]
    }

    /// TOTP accepts a code only within its step: this host's clock is compared with the
    /// database server's, the one clock every instance shares.
    func clockFindings(_ connection: PGConnection) -> [Finding] {
        let before = clock.now().microseconds
        guard let text = try? connection.query("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint").string(0, 0),
              let server = Int64(text) else { return [] }
        let after = clock.now().microseconds
        let skew = Double(server - (before + after) / 2) / 1e6
        let millis = Int((abs(skew) * 1000).rounded())
        let message = "this host's clock is \(millis) ms \(skew > 0 ? "behind" : "ahead of") the database server's"
        switch abs(skew) {
        case ..<2: return [Finding(level: .ok, topic: "clock", message: message)]
        case ..<15: return [Finding(level: .warning, topic: "clock", message: message + ": TOTP codes near a step boundary will fail; sync both clocks (NTP)")]
        default: return [Finding(level: .failure, topic: "clock", message: message + ": authenticator codes will be refused; sync both clocks (NTP)")]
        }
    }

    func smtpFindings(_ settings: EmailSettings) -> [Finding] {
        switch settings.backend {
        case .file:
            return [Finding(level: .warning, topic: "email", message: "AUTHKIT_EMAIL_BACKEND=file writes code emails to \(settings.fileDirectory ?? "?") instead of sending them (development only)")]
        case .smtp:
            SMTPClient.initialize()
            do {
                try SMTPMailer(settings: settings).probe()
                return [Finding(level: .ok, topic: "email", message: "SMTP server \(Self.redacted(settings.url)) answered (greeting\(settings.useTLS ? ", STARTTLS" : "")\(settings.username != nil ? ", login" : ""))")]
            } catch {
                return [Finding(level: .failure, topic: "email", message: "\(error): code emails will queue in the outbox until it works")]
            }
        }
    }

    static func redacted(_ url: String) -> String {
        let parts = url.split(separator: "@", maxSplits: 1)
        guard parts.count == 2, let schemeEnd = parts[0].firstIndex(of: ":") else { return url }
        return String(parts[0][..<schemeEnd]) + "://***@" + parts[1]
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
