import CryptoCore

/// A refused value: `problem` completes "AUTHKIT_NAME: ...".
struct InvalidSetting: Error {
    let problem: String
}

/// How the text of one setting becomes a value, and which texts are refused. Rules say what is
/// wrong without naming the setting: `SettingsReader` adds the name.
public struct SettingRule<Value: Sendable>: Sendable {
    let parse: @Sendable (String) throws(InvalidSetting) -> Value

    init(_ parse: @escaping @Sendable (String) throws(InvalidSetting) -> Value) {
        self.parse = parse
    }

    /// The same text, then `transform` (which may refuse it too).
    func map<T>(_ transform: @escaping @Sendable (Value) throws(InvalidSetting) -> T) -> SettingRule<T> {
        let parse = self.parse
        return SettingRule<T> { (text: String) throws(InvalidSetting) -> T in try transform(parse(text)) }
    }

    /// The value as an optional, for settings whose unset value is nil.
    var optional: SettingRule<Value?> { map { $0 } }
}

extension SettingRule where Value == String {
    /// Any text.
    static var text: Self { Self { $0 } }

    /// A cookie name: RFC 6265 token characters only.
    static var cookieName: Self {
        Self { (text: String) throws(InvalidSetting) -> String in
            let separators = Set("()<>@,;:\\\"/[]?={} \t".unicodeScalars)
            guard text.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 && !separators.contains($0) }) else {
                throw InvalidSetting(problem: "not a valid cookie name: \"\(text)\"")
            }
            return text
        }
    }

    /// One of `options`, spelled exactly.
    static func choice(_ options: [String]) -> Self {
        Self { (text: String) throws(InvalidSetting) -> String in
            guard options.contains(text) else {
                throw InvalidSetting(problem: "expected one of \(options.joined(separator: ", ")), got \"\(text)\"")
            }
            return text
        }
    }
}

extension SettingRule where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the enum's raw values.
    static var choice: Self {
        let options = Value.allCases.map(\.rawValue)
        return SettingRule<String>.choice(options).map { (text: String) throws(InvalidSetting) -> Value in
            guard let value = Value(rawValue: text) else { throw InvalidSetting(problem: "unexpected \"\(text)\"") }
            return value
        }
    }
}

extension SettingRule where Value == Int {
    static func int(in range: ClosedRange<Int>) -> Self {
        Self { (text: String) throws(InvalidSetting) -> Int in
            guard let n = Int(text), range.contains(n) else {
                throw InvalidSetting(
                    problem: "expected an integer in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
            }
            return n
        }
    }
}

extension SettingRule where Value == Int64 {
    static func int64(in range: ClosedRange<Int>) -> Self {
        SettingRule<Int>.int(in: range).map { Int64($0) }
    }
}

extension SettingRule where Value == Double {
    static func seconds(in range: ClosedRange<Double>) -> Self {
        Self { (text: String) throws(InvalidSetting) -> Double in
            guard let n = Double(text), n.isFinite, range.contains(n) else {
                throw InvalidSetting(
                    problem: "expected a number of seconds in \(range.lowerBound)...\(range.upperBound), "
                        + "got \"\(text)\"")
            }
            return n
        }
    }
}

extension SettingRule where Value == Double {
    /// A share between 0 and 1 inclusive.
    static var fraction: Self {
        Self { (text: String) throws(InvalidSetting) -> Double in
            guard let n = Double(text), n.isFinite, (0...1).contains(n) else {
                throw InvalidSetting(problem: "expected a number between 0 and 1, got \"\(text)\"")
            }
            return n
        }
    }
}

extension SettingRule where Value == Bool {
    static var bool: Self {
        Self { (text: String) throws(InvalidSetting) -> Bool in
            switch text.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw InvalidSetting(problem: "expected true or false, got \"\(text)\"")
            }
        }
    }
}

extension SettingRule where Value == UInt32 {
    /// Permission bits in octal, such as 0660.
    static var octal: Self {
        Self { (text: String) throws(InvalidSetting) -> UInt32 in
            guard let n = UInt32(text, radix: 8), n <= 0o777 else {
                throw InvalidSetting(problem: "expected octal permission bits such as 0660, got \"\(text)\"")
            }
            return n
        }
    }
}

extension SettingRule where Value == String? {
    /// An absolute path, or `off` (nil).
    static var pathOrOff: Self {
        Self { (text: String) throws(InvalidSetting) -> String? in
            if text.lowercased() == "off" { return nil }
            guard text.hasPrefix("/"), !text.contains("?") else {
                throw InvalidSetting(problem: "must be an absolute path or off, got \"\(text)\"")
            }
            return text
        }
    }

    /// Lax, Strict or None (any case), or off/false (nil) to send no SameSite attribute.
    static var sameSite: Self {
        Self { (text: String) throws(InvalidSetting) -> String? in
            switch text.lowercased() {
            case "lax": return "Lax"
            case "strict": return "Strict"
            case "none": return "None"
            case "off", "false": return nil
            default: throw InvalidSetting(problem: "expected Lax, Strict, None or off, got \"\(text)\"")
            }
        }
    }
}

extension SettingRule where Value == [String] {
    /// A comma-separated list of at least one distinct name, in the order given. Which names
    /// exist is the group's check (MFA_HANDLERS: the registry's).
    static var nameList: Self {
        Self { (text: String) throws(InvalidSetting) -> [String] in
            let items = text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
            guard !items.isEmpty else { throw InvalidSetting(problem: "must list at least one name") }
            guard Set(items).count == items.count else {
                throw InvalidSetting(problem: "lists a name twice in \"\(text)\"")
            }
            return items
        }
    }
}

extension SettingRule {
    /// `none`, `all` (when `allowsAll`), or a comma-separated list of `Kind` names, kept in the
    /// kinds' own order; `noun` names a kind in the error.
    static func kinds<Kind>(_ noun: String, allowsAll: Bool) -> SettingRule<[Kind]>
    where Kind: RawRepresentable & CaseIterable & Hashable & Sendable, Kind.RawValue == String {
        SettingRule<[Kind]> { (text: String) throws(InvalidSetting) -> [Kind] in
            switch text.lowercased() {
            case "none": return []
            case "all" where allowsAll: return Array(Kind.allCases)
            default:
                var kinds: Set<Kind> = []
                for item in text.split(separator: ",").map({ $0.trimmingWhitespace() }) where !item.isEmpty {
                    guard let kind = Kind(rawValue: item) else {
                        throw InvalidSetting(problem: "unknown \(noun) \"\(item)\" (\(allowsAll ? "all, " : "")none, or: "
                            + Kind.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                    }
                    kinds.insert(kind)
                }
                return Kind.allCases.filter(kinds.contains)
            }
        }
    }
}

extension SettingRule where Value == [SecurityNotice] {
    static var securityNotices: Self { kinds("notice", allowsAll: true) }
}

extension SettingRule where Value == [SensitiveChange] {
    static var sensitiveChanges: Self { kinds("change", allowsAll: false) }
}

extension SettingRule where Value == [IPRange] {
    /// Comma-separated addresses or CIDR ranges.
    static var ipRanges: Self {
        Self { (text: String) throws(InvalidSetting) -> [IPRange] in
            var ranges: [IPRange] = []
            for item in text.split(separator: ",").map({ $0.trimmingWhitespace() }) where !item.isEmpty {
                guard let range = IPRange(item) else {
                    throw InvalidSetting(problem: "not an IP address or CIDR range: \"\(item)\"")
                }
                ranges.append(range)
            }
            return ranges
        }
    }
}

extension SettingRule where Value == [Character] {
    /// At least 2 distinct printable ASCII characters.
    static var alphabet: Self {
        Self { (text: String) throws(InvalidSetting) -> [Character] in
            let chars = Array(text)
            guard chars.count >= 2, Set(chars).count == chars.count,
                  chars.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw InvalidSetting(
                    problem: "expected at least 2 distinct printable ASCII characters, got \"\(text)\"")
            }
            return chars
        }
    }
}

extension SettingRule where Value == [String: ThrottleRate?] {
    /// DRF's `scope=N/period` list (period by its first letter: s, m, h, d; `scope=none` turns
    /// one scope off), or `none` for every scope. Scopes not named keep their defaults.
    static var throttleRates: Self {
        Self { (text: String) throws(InvalidSetting) -> [String: ThrottleRate?] in
            if text.lowercased() == "none" { return Dictionary(uniqueKeysWithValues: ThrottleScope.allCases.map { ($0.rawValue, nil) }) }
            var rates: [String: ThrottleRate?] = [:]
            for item in text.split(separator: ",") {
                let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
                guard parts.count == 2 else {
                    throw InvalidSetting(problem: "expected scope=N/period, got \"\(item)\"")
                }
                guard ThrottleScope(rawValue: parts[0]) != nil else {
                    throw InvalidSetting(problem: "unknown scope \"\(parts[0])\" (scopes: "
                        + ThrottleScope.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                }
                if parts[1].lowercased() == "none" {
                    rates[parts[0]] = .some(nil)
                    continue
                }
                let rate = parts[1].split(separator: "/")
                guard rate.count == 2, let n = Int(rate[0]), n > 0, let unit = rate[1].first else {
                    throw InvalidSetting(problem: "expected N/period such as 30/min, got \"\(parts[1])\"")
                }
                let period: Int64
                switch unit {
                case "s": period = 1
                case "m": period = 60
                case "h": period = 3600
                case "d": period = 86400
                default: throw InvalidSetting(problem: "period must be s, min, hour or day, got \"\(rate[1])\"")
                }
                rates[parts[0]] = ThrottleRate(requests: n, period: period)
            }
            return rates
        }
    }
}

extension SettingRule where Value == [EncryptionKey] {
    /// `id:base64key,...` (32-byte keys), newest first.
    static var encryptionKeys: Self {
        Self { (text: String) throws(InvalidSetting) -> [EncryptionKey] in
            var keys: [EncryptionKey] = []
            for item in text.split(separator: ",").map({ $0.trimmingWhitespace() }) where !item.isEmpty {
                let parts = item.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, !parts[0].isEmpty,
                      parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }),
                      let bytes = CryptoCore.Base64.decode(parts[1], urlSafe: false)
                        ?? CryptoCore.Base64.decode(parts[1], urlSafe: true),
                      bytes.count == 32 else {
                    throw InvalidSetting(
                        problem: "expected id:base64 with a 32-byte key (e.g. k1:$(head -c 32 /dev/urandom | base64))")
                }
                guard !keys.contains(where: { $0.id == String(parts[0]) }) else {
                    throw InvalidSetting(problem: "key id \(parts[0]) appears twice")
                }
                keys.append(EncryptionKey(id: String(parts[0]), bytes: bytes))
            }
            guard !keys.isEmpty else { throw InvalidSetting(problem: "lists no key") }
            return keys
        }
    }
}
