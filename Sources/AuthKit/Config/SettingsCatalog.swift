/// Every setting the service reads, with its default and meaning. `Settings.load` reads only
/// names listed here, and a test checks that docs/settings.md documents each of them.
public struct SettingInfo: Sendable {
    public let name: String
    public let defaultValue: String
    public let summary: String
}

public enum SettingsCatalog {
    public static let prefix = "AUTHKIT_"

    public static let all: [SettingInfo] = [
        SettingInfo(name: "DATABASE_URL", defaultValue: "(required)",
                    summary: "libpq connection URI or key=value string."),
        SettingInfo(name: "DATABASE_CONNECT_TIMEOUT", defaultValue: "5",
                    summary: "Seconds to wait for a PostgreSQL connection (applies unless the URL sets connect_timeout)."),
        SettingInfo(name: "DATABASE_RECONNECT_MAX_DELAY", defaultValue: "2",
                    summary: "Upper bound, in seconds, of the back-off between reconnection attempts while the database is down."),
        SettingInfo(name: "DATABASE_PREPARED_STATEMENTS", defaultValue: "true",
                    summary: "Prepare statements once per connection; set false behind PgBouncer in transaction mode."),
        SettingInfo(name: "BASE_PATH", defaultValue: "/api/auth/",
                    summary: "URL prefix the API is mounted under; must start and end with '/'."),
        SettingInfo(name: "MAX_BODY_SIZE", defaultValue: "65536",
                    summary: "Largest request body in bytes; larger bodies get 413 without being read into memory."),
        SettingInfo(name: "SOCKET", defaultValue: "/run/authkit/authkit.sock",
                    summary: "Unix socket path to listen on (same as `serve --socket`)."),
        SettingInfo(name: "SOCKET_MODE", defaultValue: "0660",
                    summary: "Octal permission bits of the unix socket; nginx's worker user must be able to write to it."),
        SettingInfo(name: "BIND", defaultValue: "(unset)",
                    summary: "HOST:PORT to listen on with TCP instead of a unix socket (same as `serve --bind`)."),
        SettingInfo(name: "LISTEN_BACKLOG", defaultValue: "1024",
                    summary: "Listen queue length of the FastCGI socket."),
        SettingInfo(name: "WORKERS", defaultValue: "2 x CPU cores",
                    summary: "Worker threads; each holds one PostgreSQL connection (same as `serve --workers`)."),
        SettingInfo(name: "SHUTDOWN_TIMEOUT", defaultValue: "30",
                    summary: "Seconds to let in-flight requests finish after SIGTERM/SIGINT before exiting anyway."),
        SettingInfo(name: "HEALTHZ_MAX_AGE", defaultValue: "1",
                    summary: "healthz reports the database as ok without a new query when this worker's connection succeeded within this many seconds."),
        SettingInfo(name: "MFA_HANDLERS", defaultValue: "app,email",
                    summary: "drf-auth-kit's MFA_HANDLERS: the valid method names and the order of the mfa/ list."),
        SettingInfo(name: "LOG_LEVEL", defaultValue: "info",
                    summary: "trace, debug, info, notice, warning, error or critical."),
        SettingInfo(name: "LOG_FORMAT", defaultValue: "logfmt",
                    summary: "logfmt or json; one line per event on stderr."),
    ]

    static func isKnown(_ name: String) -> Bool { all.contains { $0.name == name } }
}
