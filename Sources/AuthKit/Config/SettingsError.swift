/// A setting that could not be used; the message always names the setting.
public struct SettingsError: Error, CustomStringConvertible, Sendable {
    public let setting: String
    public let problem: String

    public var description: String { "\(setting): \(problem)" }
}
