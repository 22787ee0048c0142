import CryptoCore
#if canImport(Glibc)
import Glibc
#endif

/// Immutable configuration, shared by every worker thread.
public struct Settings: Sendable {
    public enum LogFormat: String, Sendable { case logfmt, json }

    public var databaseURL: String
    public var databaseConnectTimeout: Int
    public var databaseReconnectMaxDelay: Double
    public var databasePreparedStatements: Bool
    public var basePath: String
    public var maxBodySize: Int
    public var socketPath: String
    public var socketMode: UInt32
    public var bind: String?
    public var listenBacklog: Int
    public var workers: Int
    public var shutdownTimeout: Double
    public var healthzMaxAge: Double
    public var logLevel: String
    public var logFormat: LogFormat
    /// drf-auth-kit's MFA_HANDLERS: the valid method names, in list order.
    public var mfaHandlers: [String]

    public var secretKey: String
    public var accessTokenLifetime: Int64
    public var refreshTokenLifetime: Int64
    public var rotateRefreshTokens: Bool
    public var cookies: CookieSettings
    public var passwordHashIterations: Int
    public var hashConcurrency: Int
    public var hashQueue: Int
    public var hashQueueTimeout: Double
    public var maintenanceInterval: Double
    /// Days `mfa_events` rows are kept (AUTHKIT_EVENT_RETENTION_DAYS).
    public var eventRetentionDays: Int
    /// Where Prometheus metrics are served (nil: nowhere), and to which client addresses.
    public var metricsPath: String?
    public var metricsAllowedIPs: [IPRange]
    /// Where the OpenAPI document is served (nil: nowhere).
    public var schemaPath: String?
    public var mfa: MFASettings
    public var email: EmailSettings
    public var security: SecuritySettings

    /// Names of AUTHKIT_* variables that are not settings (likely typos), for a start-up warning.
    public var unknownVariables: [String] = []

    /// Reads settings from `environment` (already merged: config file first, process
    /// environment on top). `requireDatabase` is false for commands that never connect.
    /// `registry` names the valid AUTHKIT_MFA_HANDLERS values.
    public static func load(from environment: [String: String], requireDatabase: Bool = true,
                            requireSecretKey: Bool = false, registry: MFAHandlerRegistry = .builtIn) throws(SettingsError) -> Settings {
        let reader = SettingsReader(environment: environment)
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        var settings = Settings(
            databaseURL: reader.string("DATABASE_URL", default: ""),
            databaseConnectTimeout: try reader.int("DATABASE_CONNECT_TIMEOUT", default: 5, in: 1...600),
            databaseReconnectMaxDelay: try reader.seconds("DATABASE_RECONNECT_MAX_DELAY", default: 2, in: 0.01...300),
            databasePreparedStatements: try reader.bool("DATABASE_PREPARED_STATEMENTS", default: true),
            basePath: reader.string("BASE_PATH", default: "/api/auth/"),
            maxBodySize: try reader.int("MAX_BODY_SIZE", default: 65536, in: 1024...(64 << 20)),
            socketPath: reader.string("SOCKET", default: "/run/authkit/authkit.sock"),
            socketMode: try reader.octal("SOCKET_MODE", default: 0o660),
            bind: reader.optionalString("BIND"),
            listenBacklog: try reader.int("LISTEN_BACKLOG", default: 1024, in: 1...65535),
            workers: try reader.int("WORKERS", default: 2 * cores, in: 1...1024),
            shutdownTimeout: try reader.seconds("SHUTDOWN_TIMEOUT", default: 30, in: 0...3600),
            healthzMaxAge: try reader.seconds("HEALTHZ_MAX_AGE", default: 1, in: 0...60),
            logLevel: try reader.choice("LOG_LEVEL", default: "info",
                                        from: ["trace", "debug", "info", "notice", "warning", "error", "critical"]),
            logFormat: LogFormat(rawValue: try reader.choice("LOG_FORMAT", default: "logfmt", from: ["logfmt", "json"]))!,
            mfaHandlers: try reader.list("MFA_HANDLERS", default: ["app", "email"], allowed: registry.names),
            secretKey: reader.string("SECRET_KEY", default: ""),
            accessTokenLifetime: Int64(try reader.int("ACCESS_TOKEN_LIFETIME", default: 300, in: 1...31_536_000)),
            refreshTokenLifetime: Int64(try reader.int("REFRESH_TOKEN_LIFETIME", default: 86400, in: 1...31_536_000)),
            rotateRefreshTokens: try reader.bool("ROTATE_REFRESH_TOKENS", default: false),
            cookies: CookieSettings(
                useAuthCookie: try reader.bool("USE_AUTH_COOKIE", default: true),
                secure: try reader.bool("AUTH_COOKIE_SECURE", default: false),
                httpOnly: try reader.bool("AUTH_COOKIE_HTTPONLY", default: true),
                sameSite: try reader.sameSite("AUTH_COOKIE_SAMESITE"),
                domain: reader.optionalString("AUTH_COOKIE_DOMAIN"),
                partitioned: try reader.bool("AUTH_COOKIE_PARTITIONED", default: false),
                accessName: try reader.cookieName("AUTH_JWT_COOKIE_NAME", default: "auth-jwt"),
                accessPath: reader.string("AUTH_JWT_COOKIE_PATH", default: "/"),
                refreshName: try reader.cookieName("AUTH_JWT_REFRESH_COOKIE_NAME", default: "auth-refresh-jwt"),
                refreshPath: reader.string("AUTH_JWT_REFRESH_COOKIE_PATH", default: "/")),
            passwordHashIterations: try reader.int("PASSWORD_HASH_ITERATIONS", default: 1_000_000, in: 1...100_000_000),
            hashConcurrency: 0,
            hashQueue: 0,
            hashQueueTimeout: try reader.seconds("PASSWORD_HASH_QUEUE_TIMEOUT", default: 5, in: 0...600),
            maintenanceInterval: try reader.seconds("MAINTENANCE_INTERVAL", default: 300, in: 1...86400),
            eventRetentionDays: try reader.int("EVENT_RETENTION_DAYS", default: 400, in: 1...36500),
            metricsPath: try reader.optionalPath("METRICS_PATH", default: "/metrics"),
            metricsAllowedIPs: try reader.ipRanges("METRICS_ALLOWED_IPS", default: "127.0.0.0/8,::1/128"),
            schemaPath: try reader.optionalPath("SCHEMA_PATH", default: "/api/schema/"),
            mfa: MFASettings(
                applicationName: reader.string("MFA_APPLICATION_NAME", default: "MyApplication"),
                ephemeralTokenExpiry: Int64(try reader.int("MFA_EPHEMERAL_TOKEN_EXPIRY", default: 900, in: 1...86400)),
                appInterval: Int64(try reader.int("MFA_TOTP_DEFAULT_INTERVAL", default: 30, in: 1...3600)),
                validWindow: Int64(try reader.int("MFA_TOTP_DEFAULT_VALID_WINDOW", default: 0, in: 0...10)),
                replayProtection: try reader.bool("MFA_TOTP_REPLAY_PROTECTION", default: true),
                backupCodeCount: try reader.int("NUM_OF_BACKUP_CODES", default: 5, in: 0...100),
                backupCodeLength: try reader.int("BACKUP_CODE_LENGTH", default: 12, in: 8...64),
                backupCodeAlphabet: try reader.alphabet("BACKUP_CODE_ALLOWED_CHARS", default: "0123456789ABCDEFGHJKMNPQRSTVWXYZ"),
                backupCodeSecureHash: try reader.bool("BACKUP_CODE_SECURE_HASH", default: true),
                backupCodeIterations: try reader.int("MFA_BACKUP_CODE_ITERATIONS", default: 10_000, in: 1...10_000_000),
                emailCodeValidity: Int64(try reader.int("MFA_EMAIL_CODE_VALIDITY", default: 180, in: 30...3600)),
                updatePrimaryRequiresPrimaryCode: try reader.bool("MFA_UPDATE_PRIMARY_METHOD_REQUIRED_PRIMARY_CODE", default: false),
                preventDeleteActive: try reader.bool("MFA_PREVENT_DELETE_ACTIVE_METHOD", default: false),
                preventDeletePrimary: try reader.bool("MFA_PREVENT_DELETE_PRIMARY_METHOD", default: false),
                deleteActiveRequiresCode: try reader.bool("MFA_DELETE_ACTIVE_METHOD_REQUIRE_CODE", default: true),
                fromEmail: reader.string("DEFAULT_FROM_EMAIL", default: "webmaster@localhost")),
            email: EmailSettings(
                backend: EmailSettings.Backend(rawValue: try reader.choice("EMAIL_BACKEND", default: "smtp", from: ["smtp", "file"]))!,
                url: reader.string("EMAIL_URL", default: "smtp://localhost:25"),
                useTLS: try reader.bool("EMAIL_USE_TLS", default: false),
                username: reader.optionalString("EMAIL_HOST_USER"),
                password: reader.optionalString("EMAIL_HOST_PASSWORD"),
                connectTimeout: try reader.int("EMAIL_CONNECT_TIMEOUT", default: 5, in: 1...300),
                timeout: try reader.int("EMAIL_TIMEOUT", default: 10, in: 1...600),
                maxAttempts: try reader.int("EMAIL_MAX_ATTEMPTS", default: 6, in: 1...100),
                retryDelay: try reader.seconds("EMAIL_RETRY_DELAY", default: 1, in: 0.01...3600),
                retryMaxDelay: try reader.seconds("EMAIL_RETRY_MAX_DELAY", default: 60, in: 0.01...86400),
                pollInterval: try reader.seconds("EMAIL_POLL_INTERVAL", default: 0.5, in: 0.01...60),
                retention: Int64(try reader.int("EMAIL_RETENTION", default: 604_800, in: 60...31_536_000)),
                templateDirectory: reader.optionalString("EMAIL_TEMPLATE_DIR"),
                fileDirectory: reader.optionalString("EMAIL_FILE_DIR")),
            security: SecuritySettings(
                mfaFailuresBeforeDelay: try reader.int("MFA_FAILURES_BEFORE_DELAY", default: 3, in: 1...1_000_000),
                mfaMaxDelay: Int64(try reader.int("MFA_MAX_DELAY", default: 900, in: 1...86400)),
                mfaMaxFailures: try reader.int("MFA_MAX_FAILURES", default: 100, in: 1...1_000_000),
                sendCooldown: Int64(try reader.int("MFA_SEND_COOLDOWN", default: 30, in: 0...3600)),
                passwordFailuresBeforeDelay: try reader.int("PASSWORD_FAILURES_BEFORE_DELAY", default: 5, in: 1...1_000_000),
                passwordMaxDelay: Int64(try reader.int("PASSWORD_MAX_DELAY", default: 900, in: 1...86400)),
                loginRate: try reader.throttleRate("THROTTLE_RATES", default: "auth_kit=60/min"),
                trustedProxies: try reader.ipRanges("TRUSTED_PROXIES"),
                encryptionKeys: [])
        )
        settings.security.encryptionKeys = try reader.encryptionKeys("SECRET_ENCRYPTION_KEYS", secretKey: settings.secretKey)
        if settings.email.backend == .file && settings.email.fileDirectory == nil {
            throw SettingsError(setting: "AUTHKIT_EMAIL_FILE_DIR", problem: "is required with AUTHKIT_EMAIL_BACKEND=file")
        }
        guard settings.email.url.hasPrefix("smtp://") || settings.email.url.hasPrefix("smtps://") else {
            throw SettingsError(setting: "AUTHKIT_EMAIL_URL", problem: "must start with smtp:// or smtps://, got \"\(settings.email.url)\"")
        }
        if settings.mfa.fromEmail.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw SettingsError(setting: "AUTHKIT_DEFAULT_FROM_EMAIL", problem: "must not contain line breaks")
        }
        // Slow hashing may use at most half of the workers (all of them when there is only one).
        let hashShare = max(1, settings.workers / 2)
        settings.hashConcurrency = try reader.int("PASSWORD_HASH_CONCURRENCY", default: max(1, min(cores, hashShare)), in: 1...1024)
        settings.hashQueue = try reader.int("PASSWORD_HASH_QUEUE", default: max(0, hashShare - settings.hashConcurrency), in: 0...1024)
        if settings.workers > 1 && settings.hashConcurrency + settings.hashQueue >= settings.workers {
            throw SettingsError(setting: "AUTHKIT_PASSWORD_HASH_CONCURRENCY",
                                problem: "concurrency (\(settings.hashConcurrency)) + queue (\(settings.hashQueue)) must stay below the \(settings.workers) workers, so a flood of logins cannot occupy them all")
        }
        if requireSecretKey {
            guard settings.secretKey.count >= 32 else {
                throw SettingsError(setting: "AUTHKIT_SECRET_KEY",
                                    problem: settings.secretKey.isEmpty ? "is required (a random string of at least 32 characters, e.g. `head -c 48 /dev/urandom | base64`)"
                                        : "is too short (\(settings.secretKey.count) characters; at least 32 are required)")
            }
        }
        guard settings.basePath.hasPrefix("/"), settings.basePath.hasSuffix("/") else {
            throw SettingsError(setting: "AUTHKIT_BASE_PATH", problem: "must start and end with '/', got \"\(settings.basePath)\"")
        }
        if requireDatabase && settings.databaseURL.isEmpty {
            throw SettingsError(setting: "AUTHKIT_DATABASE_URL", problem: "is required (a libpq URI such as postgresql://user@host/db)")
        }
        if let bind = settings.bind { _ = try Settings.parseBind(bind, setting: "AUTHKIT_BIND") }
        settings.unknownVariables = environment.keys
            .filter { $0.hasPrefix(SettingsCatalog.prefix) && !SettingsCatalog.isKnown(String($0.dropFirst(SettingsCatalog.prefix.count))) }
            .sorted()
        return settings
    }

    /// Splits `HOST:PORT` (IPv6 as `[::1]:9000`).
    public static func parseBind(_ text: String, setting: String) throws(SettingsError) -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw SettingsError(setting: setting, problem: "expected HOST:PORT, got \"\(text)\"")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw SettingsError(setting: setting, problem: "expected HOST:PORT, got \"\(text)\"") }
        return (host, port)
    }
}

/// Typed access to `AUTHKIT_*` variables; every failure names the variable.
struct SettingsReader {
    let environment: [String: String]

    private func raw(_ name: String) -> (String, String)? {
        precondition(SettingsCatalog.isKnown(name), "setting \(name) missing from SettingsCatalog")
        let key = SettingsCatalog.prefix + name
        guard let value = environment[key]?.trimmingWhitespace(), !value.isEmpty else { return nil }
        return (key, value)
    }

    func string(_ name: String, default value: String) -> String {
        raw(name)?.1 ?? value
    }

    func optionalString(_ name: String) -> String? {
        raw(name)?.1
    }

    /// An absolute path, or `off`.
    func optionalPath(_ name: String, default fallback: String) throws(SettingsError) -> String? {
        guard let (key, text) = raw(name) else { return fallback }
        if text.lowercased() == "off" { return nil }
        guard text.hasPrefix("/"), !text.contains("?") else { throw SettingsError(setting: key, problem: "must be an absolute path or off, got \"\(text)\"") }
        return text
    }

    /// Lax, Strict or None (any case), or off/false to send no SameSite attribute.
    func sameSite(_ name: String) throws(SettingsError) -> String? {
        guard let (key, text) = raw(name) else { return "Lax" }
        switch text.lowercased() {
        case "lax": return "Lax"
        case "strict": return "Strict"
        case "none": return "None"
        case "off", "false": return nil
        default: throw SettingsError(setting: key, problem: "expected Lax, Strict, None or off, got \"\(text)\"")
        }
    }

    /// DRF's `scope=N/period` (period by its first letter: s, m, h, d); only `auth_kit` is used.
    func throttleRate(_ name: String, default value: String) throws(SettingsError) -> (requests: Int, period: Int64)? {
        let text = raw(name)?.1 ?? value
        let key = SettingsCatalog.prefix + name
        if text.lowercased() == "none" { return nil }
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
            guard parts.count == 2 else { throw SettingsError(setting: key, problem: "expected scope=N/period, got \"\(item)\"") }
            let rate = parts[1].split(separator: "/")
            guard rate.count == 2, let n = Int(rate[0]), n > 0, let unit = rate[1].first else {
                throw SettingsError(setting: key, problem: "expected N/period such as 30/min, got \"\(parts[1])\"")
            }
            let period: Int64
            switch unit {
            case "s": period = 1
            case "m": period = 60
            case "h": period = 3600
            case "d": period = 86400
            default: throw SettingsError(setting: key, problem: "period must be s, min, hour or day, got \"\(rate[1])\"")
            }
            if parts[0] == "auth_kit" { return (n, period) }
        }
        return nil
    }

    func ipRanges(_ name: String, default fallback: String = "") throws(SettingsError) -> [IPRange] {
        let (key, text) = raw(name) ?? ("AUTHKIT_" + name, fallback)
        var ranges: [IPRange] = []
        for item in text.split(separator: ",").map({ $0.trimmingWhitespace() }) where !item.isEmpty {
            guard let range = IPRange(item) else { throw SettingsError(setting: key, problem: "not an IP address or CIDR range: \"\(item)\"") }
            ranges.append(range)
        }
        return ranges
    }

    /// `id:base64key,...` (32-byte keys), newest first. Unset: one key derived from SECRET_KEY.
    func encryptionKeys(_ name: String, secretKey: String) throws(SettingsError) -> [EncryptionKey] {
        guard let (key, text) = raw(name) else {
            return secretKey.isEmpty ? [] : [EncryptionKey(id: "k0", bytes: SecretBox.derivedKey(secretKey))]
        }
        var keys: [EncryptionKey] = []
        for item in text.split(separator: ",").map({ $0.trimmingWhitespace() }) where !item.isEmpty {
            let parts = item.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }),
                  let bytes = CryptoCore.Base64.decode(parts[1], urlSafe: false) ?? CryptoCore.Base64.decode(parts[1], urlSafe: true),
                  bytes.count == 32 else {
                throw SettingsError(setting: key, problem: "expected id:base64 with a 32-byte key (e.g. k1:$(head -c 32 /dev/urandom | base64))")
            }
            guard !keys.contains(where: { $0.id == String(parts[0]) }) else { throw SettingsError(setting: key, problem: "key id \(parts[0]) appears twice") }
            keys.append(EncryptionKey(id: String(parts[0]), bytes: bytes))
        }
        guard !keys.isEmpty else { throw SettingsError(setting: key, problem: "lists no key") }
        return keys
    }

    /// A set of at least 2 distinct printable ASCII characters.
    func alphabet(_ name: String, default value: String) throws(SettingsError) -> [Character] {
        let text = raw(name)?.1 ?? value
        let chars = Array(text)
        guard chars.count >= 2, Set(chars).count == chars.count, chars.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw SettingsError(setting: SettingsCatalog.prefix + name, problem: "expected at least 2 distinct printable ASCII characters, got \"\(text)\"")
        }
        return chars
    }

    /// A cookie name: RFC 6265 token characters only.
    func cookieName(_ name: String, default value: String) throws(SettingsError) -> String {
        guard let (key, text) = raw(name) else { return value }
        let separators = Set("()<>@,;:\\\"/[]?={} \t".unicodeScalars)
        guard text.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 && !separators.contains($0) }) else {
            throw SettingsError(setting: key, problem: "not a valid cookie name: \"\(text)\"")
        }
        return text
    }

    func int(_ name: String, default value: Int, in range: ClosedRange<Int>) throws(SettingsError) -> Int {
        guard let (key, text) = raw(name) else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw SettingsError(setting: key, problem: "expected an integer in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return n
    }

    func seconds(_ name: String, default value: Double, in range: ClosedRange<Double>) throws(SettingsError) -> Double {
        guard let (key, text) = raw(name) else { return value }
        guard let n = Double(text), n.isFinite, range.contains(n) else {
            throw SettingsError(setting: key, problem: "expected a number of seconds in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return n
    }

    func bool(_ name: String, default value: Bool) throws(SettingsError) -> Bool {
        guard let (key, text) = raw(name) else { return value }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw SettingsError(setting: key, problem: "expected true or false, got \"\(text)\"")
        }
    }

    /// A comma-separated list of distinct names from `allowed`, in the order given.
    func list(_ name: String, default value: [String], allowed: [String]) throws(SettingsError) -> [String] {
        guard let (key, text) = raw(name) else { return value }
        let items = text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw SettingsError(setting: key, problem: "must name at least one of \(allowed.joined(separator: ", "))") }
        for item in items where !allowed.contains(item) {
            throw SettingsError(setting: key, problem: "unknown handler \"\(item)\" in \"\(text)\" (known: \(allowed.joined(separator: ", ")))")
        }
        guard Set(items).count == items.count else { throw SettingsError(setting: key, problem: "lists a handler twice") }
        return items
    }

    func octal(_ name: String, default value: UInt32) throws(SettingsError) -> UInt32 {
        guard let (key, text) = raw(name) else { return value }
        guard let n = UInt32(text, radix: 8), n <= 0o777 else {
            throw SettingsError(setting: key, problem: "expected octal permission bits such as 0660, got \"\(text)\"")
        }
        return n
    }

    func choice(_ name: String, default value: String, from options: [String]) throws(SettingsError) -> String {
        guard let (key, text) = raw(name) else { return value }
        guard options.contains(text) else {
            throw SettingsError(setting: key, problem: "expected one of \(options.joined(separator: ", ")), got \"\(text)\"")
        }
        return text
    }
}
