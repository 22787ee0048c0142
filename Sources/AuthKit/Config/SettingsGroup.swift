/// A group of settings that belong to one concern (server, database, tokens, ...). Each group
/// declares its `SettingKey`s next to its fields, loads and checks itself in
/// `init(reader:...)`, and lists its keys here, in the order `authkit settings` shows them.
public protocol SettingsGroup: Sendable {
    static var catalog: [SettingInfo] { get }
}
