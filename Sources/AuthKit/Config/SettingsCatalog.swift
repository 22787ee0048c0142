/// Every setting the service reads, with its default and meaning: the groups' `SettingKey`s, in
/// their documented order. `authkit settings` prints it, tools/update_settings_doc.sh writes it to
/// docs/settings.md, and tests check that the loader reads exactly these names.
public enum SettingsCatalog {
    public static let prefix = "AUTHKIT_"

    public static let all: [SettingInfo] = Settings.catalog

    private static let names = Set(all.map(\.name))

    static func isKnown(_ name: String) -> Bool { names.contains(name) }
}
