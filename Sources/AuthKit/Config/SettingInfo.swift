/// A setting as `authkit settings` and docs/settings.md list it; made from its `SettingKey`.
public struct SettingInfo: Sendable {
    public let name: String
    public let defaultValue: String
    public let summary: String
}
