/// The few Python `str` operations Django's validators use, on Unicode scalars (Python's
/// characters), so lengths and comparisons count what Python counts.
enum PythonText {
    /// `s.lower()`.
    static func lower(_ text: String) -> [Unicode.Scalar] {
        Array(text.lowercased().unicodeScalars)
    }

    /// `s.strip()`: leading and trailing whitespace removed.
    static func strip(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return [] }
        return Array(scalars[first...last])
    }

    /// `s.isdigit()`: not empty, and every character a decimal or other digit (Numeric_Type
    /// Decimal or Digit: "²" counts, "½" does not).
    static func isDigits(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy {
            $0.properties.numericType == .decimal || $0.properties.numericType == .digit
        }
    }

    /// `re.split(r"\W+", s)`: the runs between non-word characters, empty ones included (as
    /// Python gives them at either end). A word character is `_` or what `str.isalnum()` accepts:
    /// a letter (categories Lu, Ll, Lt, Lm, Lo) or anything with a numeric value.
    static func splitOnNonWord(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var parts: [[Unicode.Scalar]] = [[]]
        var inSeparator = false
        for scalar in scalars {
            if isWord(scalar) {
                parts[parts.count - 1].append(scalar)
                inSeparator = false
            } else if !inSeparator {
                parts.append([])
                inSeparator = true
            }
        }
        return parts
    }

    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return scalar.properties.numericType != nil
        }
    }
}
