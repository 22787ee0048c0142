/// One setting, declared once as a `static let` next to the field it fills: its name, its
/// default (the documented text is the value used), its meaning and how a value is parsed and
/// checked. The catalog (`authkit settings`, docs/settings.md) and the loader both read these
/// descriptors, so they cannot disagree.
public struct SettingKey<Value: Sendable>: Sendable {
    /// What an unset (or empty) variable means.
    public enum Fallback: Sendable {
        /// This text, parsed like a configured value: what the catalog shows is what is used.
        case text(String)
        /// A value without a textual form, shown in the catalog as `shown` ("(unset)", "(required)").
        case value(Value, shown: String)
        /// Depends on the machine or on other settings: the group passes it when reading.
        case computed(shown: String)
    }

    /// The name without the `AUTHKIT_` prefix.
    public let name: String
    public let fallback: Fallback
    public let summary: String
    let rule: SettingRule<Value>

    /// Unset reads as `text`, parsed by `rule`.
    init(_ name: String, default text: String, _ rule: SettingRule<Value>, _ summary: String) {
        self.init(name: name, fallback: .text(text), rule: rule, summary: summary)
    }

    /// Unset reads as `value`; the catalog shows `shown`.
    init(_ name: String, unset value: Value, shown: String, _ rule: SettingRule<Value>, _ summary: String) {
        self.init(name: name, fallback: .value(value, shown: shown), rule: rule, summary: summary)
    }

    /// Unset reads as what the group computes (`SettingsReader.value(_:default:)`); the catalog shows `shown`.
    init(_ name: String, computed shown: String, _ rule: SettingRule<Value>, _ summary: String) {
        self.init(name: name, fallback: .computed(shown: shown), rule: rule, summary: summary)
    }

    private init(name: String, fallback: Fallback, rule: SettingRule<Value>, summary: String) {
        self.name = name
        self.fallback = fallback
        self.rule = rule
        self.summary = summary
    }

    /// The variable's full name.
    public var variable: String { SettingsCatalog.prefix + name }

    /// This setting's catalog entry.
    public var info: SettingInfo {
        let shown: String
        switch fallback {
        case .text(let text): shown = text
        case .value(_, let text), .computed(let text): shown = text
        }
        return SettingInfo(name: name, defaultValue: shown, summary: summary)
    }
}
