/// YAML for a JSON document (block style). Strings are written as JSON strings, which YAML
/// reads as double-quoted scalars; keys that YAML would read as something else are quoted too.
struct YAMLWriter {
    private var out: [UInt8] = []

    static func encode(_ value: JSONValue) -> [UInt8] {
        var writer = YAMLWriter()
        writer.block(value, indent: 0)
        return writer.out
    }

    private mutating func block(_ value: JSONValue, indent: Int) {
        switch value {
        case .object(let object) where !object.isEmpty:
            for entry in object.entries {
                pad(indent)
                key(entry.key)
                out.append(UInt8(ascii: ":"))
                child(entry.value, indent: indent)
            }
        case .array(let items) where !items.isEmpty:
            for item in items {
                pad(indent)
                out.append(contentsOf: "-".utf8)
                child(item, indent: indent)
            }
        default:
            pad(indent)
            scalar(value)
            out.append(0x0A)
        }
    }

    /// After `key:` or `-`: a scalar on the same line, a collection on the next lines.
    private mutating func child(_ value: JSONValue, indent: Int) {
        switch value {
        case .object(let o) where !o.isEmpty:
            out.append(0x0A)
            block(value, indent: indent + 2)
        case .array(let a) where !a.isEmpty:
            out.append(0x0A)
            block(value, indent: indent + 2)
        default:
            out.append(0x20)
            scalar(value)
            out.append(0x0A)
        }
    }

    private mutating func scalar(_ value: JSONValue) {
        switch value {
        case .object: out.append(contentsOf: "{}".utf8)
        case .array: out.append(contentsOf: "[]".utf8)
        default: out.append(contentsOf: JSONWriter.encode(value))
        }
    }

    /// Plain when it is an identifier-like word YAML cannot mistake for a number, boolean or
    /// null; quoted otherwise (paths, status codes, `$ref`).
    private mutating func key(_ k: String) {
        let plain = k.utf8.first.map { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F } ?? false
            && k.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D }
            && !["true", "false", "null", "yes", "no", "on", "off", "y", "n"].contains(k.lowercased())
        if plain { out.append(contentsOf: k.utf8) } else { out.append(contentsOf: JSONWriter.encode(.string(k))) }
    }

    private mutating func pad(_ n: Int) {
        out.append(contentsOf: repeatElement(0x20, count: n))
    }
}
