/// The line logger on stderr (`ServiceSetup.bootstrapLogging`).
public struct LoggingSettings: SettingsGroup {
    public enum Format: String, Sendable, CaseIterable { case logfmt, json }

    /// A swift-log level name.
    public var level: String
    static let level = SettingKey<String>(
        "LOG_LEVEL", default: "info", .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]),
        "trace, debug, info, notice, warning, error or critical.")

    public var format: Format
    static let format = SettingKey<Format>(
        "LOG_FORMAT", default: "logfmt", .choice,
        "logfmt or json; one line per event on stderr.")

    public static var catalog: [SettingInfo] { [level.info, format.info] }

    init(reader: SettingsReader) throws(SettingsError) {
        level = try reader.value(Self.level)
        format = try reader.value(Self.format)
    }
}
