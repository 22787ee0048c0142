/// A JSON document as parsed from a request body or built for a response.
/// Objects keep their key order (responses must match drf-auth-kit's order byte for byte).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number, kept as its literal text so conversions follow Python's rules exactly.
    case number(JSONNumber)
    case string(String)
    /// A string that contained a lone UTF-16 surrogate escape (`"\ud800"`); Swift strings cannot
    /// hold one, so it is replaced by U+FFFD in `text` and the first offending code is kept.
    case surrogateString(text: String, surrogate: UInt32)
    case array([JSONValue])
    case object(JSONObject)

    /// Python's `type(x).__name__` for this value, as DRF's messages print it.
    var pythonTypeName: String {
        switch self {
        case .null: return "NoneType"
        case .bool: return "bool"
        case .number(let n): return n.isInteger ? "int" : "float"
        case .string, .surrogateString: return "str"
        case .array: return "list"
        case .object: return "dict"
        }
    }
}

/// An ordered JSON object. Duplicate keys keep the last value (as Python's json does) at the
/// position of the first occurrence.
///
/// Small objects (every body this API expects) are searched linearly; past
/// `indexThreshold` keys the object keeps a key → position index, so parsing a hostile body of
/// thousands of distinct keys stays linear instead of quadratic.
public struct JSONObject: Sendable, Equatable {
    public private(set) var entries: [(key: String, value: JSONValue)] = []
    /// Position of each key's first occurrence; nil while the object is small.
    private var positions: [String: Int]?
    static let indexThreshold = 16

    public init() {}

    public init(_ entries: [(String, JSONValue)]) {
        for (k, v) in entries { self[k] = v }
    }

    private func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return entries.firstIndex { $0.key == key }
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { entries[$0].value } }
        set {
            if let i = position(of: key) {
                if let newValue {
                    entries[i].value = newValue
                } else {
                    entries.remove(at: i)
                    positions = nil
                    indexIfLarge()
                }
            } else if let newValue {
                append(key, newValue)
            }
        }
    }

    /// Appends without looking for an existing key: for building responses with known keys.
    public mutating func append(_ key: String, _ value: JSONValue) {
        entries.append((key, value))
        if positions != nil {
            if positions?[key] == nil { positions?[key] = entries.count - 1 }
        } else {
            indexIfLarge()
        }
    }

    private mutating func indexIfLarge() {
        guard positions == nil, entries.count > Self.indexThreshold else { return }
        var index: [String: Int] = [:]
        index.reserveCapacity(entries.count * 2)
        for (i, entry) in entries.enumerated() where index[entry.key] == nil { index[entry.key] = i }
        positions = index
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// A JSON number literal.
public struct JSONNumber: Sendable, Equatable {
    /// The literal exactly as it appeared (e.g. `-0`, `1E5`, `12.50`).
    public let literal: String

    public init(literal: String) { self.literal = literal }
    public init(_ value: Int) { self.literal = String(value) }

    /// Integer literals have no fraction and no exponent (Python parses them as `int`).
    public var isInteger: Bool { !literal.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) }

    /// `str(value)` in Python: how DRF's CharField turns a number into text.
    public var pythonString: String {
        if isInteger {
            var digits = Substring(literal)
            let negative = digits.first == "-"
            if negative { digits = digits.dropFirst() }
            if digits.allSatisfy({ $0 == "0" }) { return "0" }
            return (negative ? "-" : "") + digits
        }
        return PythonFloat.repr(Double(literal) ?? .nan)
    }

    public var intValue: Int? { isInteger ? Int(literal) : nil }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (k, v) in elements { append(k, v) }
    }
}
