/// Delivery of code emails (issue 5): transport, retries, retention, templates.
public struct EmailSettings: SettingsGroup {
    public enum Backend: String, Sendable, CaseIterable { case smtp, file }

    public var backend: Backend
    static let backend = SettingKey<Backend>(
        "EMAIL_BACKEND", default: "smtp", .choice,
        "How queued code emails are delivered: smtp, or file (development only: .eml files in EMAIL_FILE_DIR).")

    public var url: String
    static let url = SettingKey<String>(
        "EMAIL_URL", default: "smtp://localhost:25", .text,
        "SMTP server: smtp://host:port or smtps://host:port (implicit TLS).")

    public var useTLS: Bool
    static let useTLS = SettingKey<Bool>(
        "EMAIL_USE_TLS", default: "false", .bool,
        "Require STARTTLS on an smtp:// connection.")

    public var username: String?
    static let username = SettingKey<String?>(
        "EMAIL_HOST_USER", unset: nil, shown: "(unset)", SettingRule.text.optional,
        "SMTP user name (AUTH), if the server needs one.")

    public var password: String?
    static let password = SettingKey<String?>(
        "EMAIL_HOST_PASSWORD", unset: nil, shown: "(unset)", SettingRule.text.optional,
        "SMTP password; never logged.")

    public var connectTimeout: Int
    static let connectTimeout = SettingKey<Int>(
        "EMAIL_CONNECT_TIMEOUT", default: "5", .int(in: 1...300),
        "Seconds to wait for the SMTP connection.")

    public var timeout: Int
    static let timeout = SettingKey<Int>(
        "EMAIL_TIMEOUT", default: "10", .int(in: 1...600),
        "Seconds one SMTP delivery may take in all.")

    public var maxAttempts: Int
    static let maxAttempts = SettingKey<Int>(
        "EMAIL_MAX_ATTEMPTS", default: "6", .int(in: 1...100),
        "Attempts after which an email the SMTP server refuses for good (a 5xx reply) is marked failed (and "
            + "logged). An unreachable server or a 4xx reply is not bounded by a count: code emails are retried until "
            + "their code expires, notices until their valid_until (then marked expired).")

    public var retryDelay: Double
    static let retryDelay = SettingKey<Double>(
        "EMAIL_RETRY_DELAY", default: "1", .seconds(in: 0.01...3600),
        "Seconds before the first retry; each further retry waits twice as long.")

    public var retryMaxDelay: Double
    static let retryMaxDelay = SettingKey<Double>(
        "EMAIL_RETRY_MAX_DELAY", default: "60", .seconds(in: 0.01...86400),
        "Longest wait between retries, in seconds.")

    public var sendLease: Double
    static let sendLease = SettingKey<Double>(
        "EMAIL_SEND_LEASE", default: "30", .seconds(in: 1...3600),
        "Seconds a sender holds a claimed outbox row while it talks to SMTP (committed before the first SMTP byte). "
            + "A row whose sender died or lost its database connection is sent again after this, with the same "
            + "Message-ID. Must be longer than EMAIL_TIMEOUT, so a slow delivery never outlives its lease.")

    public var pollInterval: Double
    static let pollInterval = SettingKey<Double>(
        "EMAIL_POLL_INTERVAL", default: "0.5", .seconds(in: 0.01...60),
        "Seconds between two looks of an instance's sender thread at the outbox.")

    public var retention: Int64
    static let retention = SettingKey<Int64>(
        "EMAIL_RETENTION", default: "604800", .int64(in: 60...31_536_000),
        "Seconds sent, failed and expired outbox rows are kept before the purge (7 days).")

    public var templateDirectory: String?
    static let templateDirectory = SettingKey<String?>(
        "EMAIL_TEMPLATE_DIR", unset: nil, shown: "(built in)", SettingRule.text.optional,
        "Folder with verification_code.txt and verification_code.html, each containing {{code}}, to replace the "
            + "built-in bodies (the code followed by a newline).")

    public var fileDirectory: String?
    static let fileDirectory = SettingKey<String?>(
        "EMAIL_FILE_DIR", unset: nil, shown: "(unset)", SettingRule.text.optional,
        "With EMAIL_BACKEND=file: the folder the .eml files are written to.")

    /// The security notices sent (all by default).
    public var securityNotices: [SecurityNotice]
    static let securityNotices = SettingKey<[SecurityNotice]>(
        "SECURITY_NOTICES", default: "all", .securityNotices,
        "Security notices emailed to a user (through the outbox) when their account changes: all, none, or a list of "
            + "password_changed, method_activated, method_deactivated, method_deleted, primary_changed, "
            + "backup_codes_regenerated, backup_code_used. Texts: notice_<kind>.txt in EMAIL_TEMPLATE_DIR (first "
            + "line the subject; {{username}}, {{method}}, {{remaining}} filled in).")

    public static var catalog: [SettingInfo] {
        [backend.info, url.info, useTLS.info, username.info, password.info, connectTimeout.info, timeout.info,
         maxAttempts.info, retryDelay.info, retryMaxDelay.info, sendLease.info, pollInterval.info, retention.info,
         templateDirectory.info, fileDirectory.info, securityNotices.info]
    }

    init(reader: SettingsReader) throws(SettingsError) {
        backend = try reader.value(Self.backend)
        url = try reader.value(Self.url)
        useTLS = try reader.value(Self.useTLS)
        username = try reader.value(Self.username)
        password = try reader.value(Self.password)
        connectTimeout = try reader.value(Self.connectTimeout)
        timeout = try reader.value(Self.timeout)
        maxAttempts = try reader.value(Self.maxAttempts)
        retryDelay = try reader.value(Self.retryDelay)
        retryMaxDelay = try reader.value(Self.retryMaxDelay)
        sendLease = try reader.value(Self.sendLease)
        pollInterval = try reader.value(Self.pollInterval)
        retention = try reader.value(Self.retention)
        templateDirectory = try reader.value(Self.templateDirectory)
        fileDirectory = try reader.value(Self.fileDirectory)
        securityNotices = try reader.value(Self.securityNotices)
        if backend == .file && fileDirectory == nil {
            throw SettingsError(setting: Self.fileDirectory.variable,
                                problem: "is required with \(Self.backend.variable)=file")
        }
        guard sendLease > Double(timeout) else {
            throw SettingsError(setting: Self.sendLease.variable,
                                problem: "must be longer than \(Self.timeout.variable) (\(timeout) s), "
                                    + "got \(sendLease)")
        }
        guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else {
            throw SettingsError(setting: Self.url.variable,
                                problem: "must start with smtp:// or smtps://, got \"\(url)\"")
        }
    }
}
