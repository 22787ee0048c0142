/// DRF's field semantics (API.md §1.2–§1.3), as pure functions from the parsed value
/// (nil when the key is missing) to the field's value or its error messages.
enum FieldRules {
    static let required = "This field is required."
    static let null = "This field may not be null."
    static let blank = "This field may not be blank."
    static let notAString = "Not a valid string."
    static let nullCharacters = "Null characters are not allowed."

    /// CharField: a string or number, trimmed (unless `trim` is false); blank refused unless
    /// `allowBlank`. Messages come in DRF's validator order: `validators`, max length, NUL,
    /// surrogates — all of them, not just the first.
    static func string(_ value: JSONValue?, allowBlank: Bool = false, trim: Bool = true, maxLength: Int? = nil,
                       validators: [(String) -> String?] = []) -> Result<String, FieldFailure> {
        guard let value else { return .failure([required]) }
        let text: String
        var surrogate: UInt32?
        switch value {
        case .null: return .failure([null])
        case .string(let s): text = s
        case .surrogateString(let s, let code): text = s; surrogate = code
        case .number(let n): text = n.pythonString
        case .bool, .array, .object: return .failure([notAString])
        }
        let trimmed = trim ? pythonStrip(text) : text
        if trimmed.isEmpty { return allowBlank ? .success("") : .failure([blank]) }
        var messages = validators.compactMap { $0(trimmed) }
        if let maxLength, trimmed.unicodeScalars.count > maxLength {
            messages.append("Ensure this field has no more than \(maxLength) characters.")
        }
        if trimmed.utf8.contains(0) { messages.append(nullCharacters) }
        if let surrogate { messages.append("Surrogate characters are not allowed: U+\(String(surrogate, radix: 16, uppercase: true)).") }
        return messages.isEmpty ? .success(trimmed) : .failure(FieldFailure(messages))
    }

    /// Django's UnicodeUsernameValidator: `^[\w.@+-]+\Z` with Unicode word characters.
    static func username(_ text: String) -> String? {
        let ok = !text.isEmpty && text.unicodeScalars.allSatisfy { c in
            switch c {
            case ".", "@", "+", "-", "_": return true
            default:
                switch c.properties.generalCategory {
                case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                     .decimalNumber, .letterNumber, .otherNumber:
                    return true
                default:
                    return false
                }
            }
        }
        return ok ? nil : "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
    }

    /// ChoiceField: `str(value)` must be one of `choices` exactly (no trimming, case-sensitive).
    static func choice(_ value: JSONValue?, choices: [String]) -> Result<String, FieldFailure> {
        guard let value else { return .failure([required]) }
        if case .null = value { return .failure([null]) }
        let key = PythonRepr.str(value)
        if choices.contains(key) { return .success(key) }
        return .failure(["\"\(key)\" is not a valid choice."])
    }

    /// Python's `str.strip()`: removes Unicode whitespace at both ends.
    static func pythonStrip(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isPythonSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isPythonSpace($0) })!
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return s }
        return String(scalars[first...last])
    }

    static func isPythonSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }
}

/// The messages of one failing field.
public struct FieldFailure: Error, Sendable, Equatable, ExpressibleByArrayLiteral {
    public let messages: [String]
    public init(_ messages: [String]) { self.messages = messages }
    public init(arrayLiteral elements: String...) { messages = elements }
}
