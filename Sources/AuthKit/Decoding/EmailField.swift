/// DRF's EmailField: a trimmed, non-blank string that Django's `EmailValidator` accepts.
public struct EmailField: RequestField, Equatable {
    public let value: String
    public init(_ value: String) { self.value = value }

    static let invalid = "Enter a valid email address."

    public static func parse(_ value: JSONValue?, context: FieldContext) -> Result<EmailField, FieldFailure> {
        FieldRules.string(value, validators: [{ isValid($0) ? nil : invalid }]).map(EmailField.init)
    }

    public static var placeholder: EmailField { EmailField("") }

    /// Django's EmailValidator: at most 320 characters, a dot-atom or quoted local part, and a
    /// domain of dotted labels ending in a 2–63 character label, an IP literal, or `localhost`.
    /// Non-ASCII domains are checked as Django checks their IDNA form: letters count as such.
    static func isValid(_ text: String) -> Bool {
        guard text.unicodeScalars.count <= 320, let at = text.lastIndex(of: "@") else { return false }
        let local = text[..<at], domain = text[text.index(after: at)...]
        return isValidLocal(local) && (domain == "localhost" || isValidDomain(domain) || isValidLiteral(domain))
    }

    private static let atext = Set("!#$%&'*+/=?^_`{}|~-".unicodeScalars)

    private static func isValidLocal(_ local: Substring) -> Bool {
        if local.hasPrefix("\"") && local.hasSuffix("\"") && local.count >= 2 {
            // Quoted string: printable ASCII, with \ escaping.
            return local.unicodeScalars.dropFirst().dropLast().allSatisfy { (1...127).contains($0.value) && $0 != "\n" && $0 != "\r" }
        }
        let atoms = local.split(separator: ".", omittingEmptySubsequences: false)
        return atoms.allSatisfy { atom in
            !atom.isEmpty && atom.unicodeScalars.allSatisfy { c in
                c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || atext.contains(c))
            }
        }
    }

    private static func isValidDomain(_ domain: Substring) -> Bool {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let top = labels.last else { return false }
        func letterOrDigit(_ c: Unicode.Scalar) -> Bool {
            c.isASCII ? (c.properties.isAlphabetic || ("0"..."9").contains(c)) : c.properties.isAlphabetic
        }
        for label in labels.dropLast() {
            let scalars = Array(label.unicodeScalars)
            guard (1...63).contains(scalars.count), letterOrDigit(scalars.first!), letterOrDigit(scalars.last!),
                  scalars.allSatisfy({ letterOrDigit($0) || $0 == "-" }) else { return false }
        }
        let last = Array(top.unicodeScalars)
        return (2...63).contains(last.count) && last.last != "-" && last.allSatisfy { letterOrDigit($0) || $0 == "-" }
    }

    private static func isValidLiteral(_ domain: Substring) -> Bool {
        guard domain.hasPrefix("["), domain.hasSuffix("]") else { return false }
        let inner = domain.dropFirst().dropLast()
        let parts = inner.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4 { return parts.allSatisfy { Int($0).map { (0...255).contains($0) } ?? false } }
        return inner.hasPrefix("IPv6:") && inner.dropFirst(5).allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}
