/// The maintenance thread of each instance: how often it purges, and how long the audit trail
/// is kept (outbox retention is `EmailSettings.retention`).
public struct MaintenanceSettings: SettingsGroup {
    /// Seconds between two purges.
    public var interval: Double
    static let interval = SettingKey<Double>(
        "MAINTENANCE_INTERVAL", default: "300", .seconds(in: 1...86400),
        "Seconds between purges of expired revoked tokens, old outbox rows and old audit events (one background "
            + "thread per instance).")

    /// Days `mfa_events` rows are kept.
    public var eventRetentionDays: Int
    static let eventRetentionDays = SettingKey<Int>(
        "EVENT_RETENTION_DAYS", default: "400", .int(in: 1...36500),
        "Days the audit trail (mfa_events) is kept; older rows are purged by the maintenance thread and "
            + "`authkit events purge` (a year and a month, for yearly audits).")

    /// Rows one purge statement deletes at most.
    public var purgeBatch: Int
    static let purgeBatch = SettingKey<Int>(
        "MAINTENANCE_PURGE_BATCH", default: "5000", .int(in: 100...1_000_000),
        "Rows one purge statement deletes at most: a backlog is deleted in several statements, each far under "
            + "AUTHKIT_DATABASE_STATEMENT_TIMEOUT, skipping rows a request holds.")

    public static var catalog: [SettingInfo] { [interval.info, eventRetentionDays.info, purgeBatch.info] }

    init(reader: SettingsReader) throws(SettingsError) {
        interval = try reader.value(Self.interval)
        eventRetentionDays = try reader.value(Self.eventRetentionDays)
        purgeBatch = try reader.value(Self.purgeBatch)
    }
}
