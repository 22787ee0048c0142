/// Reads `SettingKey`s from one environment; every failure names the variable. Used only while
/// settings load, on one thread.
final class SettingsReader {
    let environment: [String: String]
    private let recording: Bool
    /// With `recording`: each setting read, by name, with a description of the value it got
    /// (the catalog test compares them with the catalog).
    private(set) var values: [String: String] = [:]

    init(environment: [String: String], recording: Bool = false) {
        self.environment = environment
        self.recording = recording
    }

    /// The configured value, else the key's own default. Keys with a computed default use
    /// `value(_:default:)`.
    func value<Value>(_ key: SettingKey<Value>) throws(SettingsError) -> Value {
        switch key.fallback {
        case .text(let text): return try read(key, unset: .text(text))
        case .value(let value, _): return try read(key, unset: .value(value))
        case .computed: preconditionFailure("\(key.name) has a computed default: pass it to value(_:default:)")
        }
    }

    /// The configured value, else `computed` (for keys whose default depends on other values).
    func value<Value>(_ key: SettingKey<Value>, default computed: Value) throws(SettingsError) -> Value {
        try read(key, unset: .value(computed))
    }

    /// The variable's trimmed text, nil when unset or empty.
    func text(_ key: SettingKey<some Sendable>) -> String? {
        guard let value = environment[key.variable]?.trimmingWhitespace(), !value.isEmpty else { return nil }
        return value
    }

    private enum Unset<Value> {
        case text(String)
        case value(Value)
    }

    private func read<Value>(_ key: SettingKey<Value>, unset: Unset<Value>) throws(SettingsError) -> Value {
        let value: Value
        do {
            switch (text(key), unset) {
            case (let configured?, _): value = try key.rule.parse(configured)
            case (nil, .text(let text)): value = try key.rule.parse(text)
            case (nil, .value(let fallback)): value = fallback
            }
        } catch {
            throw SettingsError(setting: key.variable, problem: error.problem)
        }
        if recording { values[key.name] = String(describing: value) }
        return value
    }
}
