/// Where and how `authkit serve` listens, which paths it answers, and its worker pool.
public struct ServerSettings: SettingsGroup {
    public var basePath: String
    static let basePath = SettingKey<String>(
        "BASE_PATH", default: "/api/auth/", .text,
        "URL prefix the API is mounted under; must start and end with '/'.")

    public var maxBodySize: Int
    static let maxBodySize = SettingKey<Int>(
        "MAX_BODY_SIZE", default: "65536", .int(in: 1024...(64 << 20)),
        "Largest request body in bytes; larger bodies get 413 without being read into memory.")

    public var socketPath: String
    static let socketPath = SettingKey<String>(
        "SOCKET", default: "/run/authkit/authkit.sock", .text,
        "Unix socket path to listen on (same as `serve --socket`).")

    public var socketMode: UInt32
    static let socketMode = SettingKey<UInt32>(
        "SOCKET_MODE", default: "0660", .octal,
        "Octal permission bits of the unix socket; nginx's worker user must be able to write to it.")

    /// TCP `HOST:PORT` (checked by `parseBind`), or nil for the unix socket.
    public var bind: String?
    static let bind = SettingKey<String?>(
        "BIND", unset: nil, shown: "(unset)", SettingRule.text.map(Self.checkedBind),
        "HOST:PORT to listen on with TCP instead of a unix socket (same as `serve --bind`).")

    public var listenBacklog: Int
    static let listenBacklog = SettingKey<Int>(
        "LISTEN_BACKLOG", default: "1024", .int(in: 1...65535),
        "Listen queue length of the FastCGI socket.")

    public var workers: Int
    static let workers = SettingKey<Int>(
        "WORKERS", computed: "2 x CPU cores", .int(in: 1...1024),
        "Worker threads; each holds one PostgreSQL connection (same as `serve --workers`).")

    public var shutdownTimeout: Double
    static let shutdownTimeout = SettingKey<Double>(
        "SHUTDOWN_TIMEOUT", default: "30", .seconds(in: 0...3600),
        "Seconds to let in-flight requests finish after SIGTERM/SIGINT before exiting anyway.")

    public var healthzMaxAge: Double
    static let healthzMaxAge = SettingKey<Double>(
        "HEALTHZ_MAX_AGE", default: "1", .seconds(in: 0...60),
        "healthz reports the database as ok without a new query when this worker's connection "
            + "succeeded within this many seconds.")

    public var healthzMinLiveShare: Double
    static let healthzMinLiveShare = SettingKey<Double>(
        "HEALTHZ_MIN_LIVE_SHARE", default: "0.5", .fraction,
        "healthz answers 503 `degraded` when fewer than this share of the workers hold a live database "
            + "connection (0: never), so a load balancer stops sending to an instance that would answer "
            + "many requests with 503.")

    /// Where the OpenAPI document is served (nil: nowhere).
    public var schemaPath: String?
    static let schemaPath = SettingKey<String?>(
        "SCHEMA_PATH", default: "/api/schema/", .pathOrOff,
        "Path of the OpenAPI 3.1 document (JSON; YAML with ?format=yaml or Accept: application/yaml), or off. "
            + "nginx/authkit.conf passes it to the application.")

    public static var catalog: [SettingInfo] {
        [basePath.info, maxBodySize.info, socketPath.info, socketMode.info, bind.info, listenBacklog.info,
         workers.info, shutdownTimeout.info, healthzMaxAge.info, healthzMinLiveShare.info,
         schemaPath.info]
    }

    init(reader: SettingsReader) throws(SettingsError) {
        basePath = try reader.value(Self.basePath)
        maxBodySize = try reader.value(Self.maxBodySize)
        socketPath = try reader.value(Self.socketPath)
        socketMode = try reader.value(Self.socketMode)
        bind = try reader.value(Self.bind)
        listenBacklog = try reader.value(Self.listenBacklog)
        workers = try reader.value(Self.workers, default: 2 * ProcessorCount.online)
        shutdownTimeout = try reader.value(Self.shutdownTimeout)
        healthzMaxAge = try reader.value(Self.healthzMaxAge)
        healthzMinLiveShare = try reader.value(Self.healthzMinLiveShare)
        schemaPath = try reader.value(Self.schemaPath)
        guard basePath.hasPrefix("/"), basePath.hasSuffix("/") else {
            throw SettingsError(setting: Self.basePath.variable,
                                problem: "must start and end with '/', got \"\(basePath)\"")
        }
    }

    /// Splits `HOST:PORT` (IPv6 as `[::1]:9000`).
    public static func parseBind(_ text: String, setting: String) throws(SettingsError) -> (host: String, port: Int) {
        do {
            return try splitBind(text)
        } catch {
            throw SettingsError(setting: setting, problem: error.problem)
        }
    }

    private static func splitBind(_ text: String) throws(InvalidSetting) -> (host: String, port: Int) {
        let invalid = InvalidSetting(problem: "expected HOST:PORT, got \"\(text)\"")
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port) else { throw invalid }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw invalid }
        return (host, port)
    }

    private static func checkedBind(_ text: String) throws(InvalidSetting) -> String? {
        _ = try splitBind(text)
        return text
    }
}
