/// How every process (serve, the CLI commands, doctor) reaches PostgreSQL; see `Database.connect`.
public struct DatabaseSettings: SettingsGroup {
    /// libpq conninfo; empty only for commands that never connect.
    public var url: String
    static let url = SettingKey<String>(
        "DATABASE_URL", unset: "", shown: "(required)", .text,
        "libpq connection URI or key=value string; for failover, several hosts and "
            + "target_session_attrs=read-write (docs/scaling.md).")

    public var connectTimeout: Int
    static let connectTimeout = SettingKey<Int>(
        "DATABASE_CONNECT_TIMEOUT", default: "5", .int(in: 1...600),
        "Seconds to wait for a PostgreSQL connection (applies unless the URL sets connect_timeout).")

    public var reconnectMaxDelay: Double
    static let reconnectMaxDelay = SettingKey<Double>(
        "DATABASE_RECONNECT_MAX_DELAY", default: "2", .seconds(in: 0.01...300),
        "Upper bound, in seconds, of the back-off between reconnection attempts while the database is down.")

    public var preparedStatements: Bool
    static let preparedStatements = SettingKey<Bool>(
        "DATABASE_PREPARED_STATEMENTS", default: "true", .bool,
        "Prepare statements once per connection; set false behind PgBouncer in transaction mode.")

    public static var catalog: [SettingInfo] {
        [url.info, connectTimeout.info, reconnectMaxDelay.info, preparedStatements.info]
    }

    /// `required`: false for commands that never connect.
    init(reader: SettingsReader, required: Bool) throws(SettingsError) {
        url = try reader.value(Self.url)
        connectTimeout = try reader.value(Self.connectTimeout)
        reconnectMaxDelay = try reader.value(Self.reconnectMaxDelay)
        preparedStatements = try reader.value(Self.preparedStatements)
        if required && url.isEmpty {
            throw SettingsError(setting: Self.url.variable,
                                problem: "is required (a libpq URI such as postgresql://user@host/db)")
        }
    }
}
