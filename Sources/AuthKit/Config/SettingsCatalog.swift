/// Every setting the service reads, with its default and meaning: the groups' `SettingKey`s, in
/// their documented order. `authkit settings` prints it, tools/update_settings_doc.sh writes it to
/// docs/settings.md, and tests check that the loader reads exactly these names.
public enum SettingsCatalog {
    public static let prefix = "AUTHKIT_"

    public static let all: [SettingInfo] = Settings.catalog

    private static let names = Set(all.map(\.name))

    static func isKnown(_ name: String) -> Bool { names.contains(name) }

    /// The table `authkit settings` prints and docs/settings.md contains (a test compares them).
    public static var markdownTable: String {
        var lines = ["| variable | default | meaning |", "|---|---|---|"]
        for s in all {
            let summary = s.summary.split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")
            lines.append("| `\(prefix)\(s.name)` | `\(s.defaultValue)` | \(summary) |")
        }
        return lines.joined(separator: "\n")
    }
}
