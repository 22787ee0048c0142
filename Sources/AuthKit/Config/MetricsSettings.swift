/// Where the Prometheus metrics of an instance are served, and to whom.
public struct MetricsSettings: SettingsGroup {
    /// nil: nowhere.
    public var path: String?
    static let path = SettingKey<String?>(
        "METRICS_PATH", default: "/metrics", .pathOrOff,
        "Path of the Prometheus metrics of this instance (outside BASE_PATH), or off. nginx/authkit.conf only "
            + "lets loopback clients reach it.")

    public var allowedIPs: [IPRange]
    static let allowedIPs = SettingKey<[IPRange]>(
        "METRICS_ALLOWED_IPS", default: "127.0.0.0/8,::1/128", .ipRanges,
        "Client addresses (REMOTE_ADDR, comma-separated addresses or CIDR ranges) allowed to read the metrics; "
            + "others get 404. A second fence behind nginx's allow list.")

    public static var catalog: [SettingInfo] { [path.info, allowedIPs.info] }

    init(reader: SettingsReader) throws(SettingsError) {
        path = try reader.value(Self.path)
        allowedIPs = try reader.value(Self.allowedIPs)
    }
}
