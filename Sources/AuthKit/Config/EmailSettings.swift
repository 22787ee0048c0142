/// Delivery of code emails (issue 5): transport, retries, retention, templates.
public struct EmailSettings: Sendable {
    public enum Backend: String, Sendable { case smtp, file }

    public var backend: Backend
    public var url: String
    public var useTLS: Bool
    public var username: String?
    public var password: String?
    public var connectTimeout: Int
    public var timeout: Int
    public var maxAttempts: Int
    public var retryDelay: Double
    public var retryMaxDelay: Double
    public var pollInterval: Double
    public var retention: Int64
    public var templateDirectory: String?
    public var fileDirectory: String?
}
