public enum Version {
    public static let string = "0.1.0"
    /// The upstream API this service is wire-compatible with.
    public static let compatibleWith = "drf-auth-kit 1.8.1 (auth_kit.mfa)"
}
