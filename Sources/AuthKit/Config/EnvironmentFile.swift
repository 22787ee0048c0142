/// Reads `KEY=VALUE` files in systemd's EnvironmentFile format: `#` and `;` start comments,
/// values may be wrapped in single or double quotes, blank lines are ignored.
public enum EnvironmentFile {
    public static func parse(_ text: String, source: String) throws(SettingsError) -> [String: String] {
        var values: [String: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw SettingsError(setting: "\(source):\(number + 1)", problem: "expected KEY=VALUE, got \"\(line)\"")
            }
            let key = String(line[..<eq]).trimmingWhitespace()
            var value = String(line[line.index(after: eq)...]).trimmingWhitespace()
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw SettingsError(setting: "\(source):\(number + 1)", problem: "invalid variable name \"\(key)\"")
            }
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
                if first == "\"" {
                    value = value.replacingOccurrences("\\\"", with: "\"").replacingOccurrences("\\\\", with: "\\")
                }
            }
            values[key] = value
        }
        return values
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }

    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return String(self) }
        var out = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Index>? {
        let t = Array(target.utf8)
        let u = Array(self.utf8)
        guard t.count <= u.count else { return nil }
        var i = 0
        while i + t.count <= u.count {
            if u[i] == t[0] && Array(u[i..<i + t.count]) == t {
                let lower = self.utf8.index(self.utf8.startIndex, offsetBy: i)
                let upper = self.utf8.index(lower, offsetBy: t.count)
                return lower..<upper
            }
            i += 1
        }
        return nil
    }
}
