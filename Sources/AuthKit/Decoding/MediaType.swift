/// A parsed `type/subtype; key=value` header value.
struct MediaType: Equatable {
    let type: String
    let subtype: String
    let parameters: [(String, String)]

    init?(_ text: String) {
        // What nearly every client sends, without the general (Character-wise) parse.
        if text == "application/json" {
            (type, subtype, parameters) = ("application", "json", [])
            return
        }
        let parts = text.split(separator: ";", omittingEmptySubsequences: false)
        let essence = parts[0].trimmingWhitespace().lowercased()
        guard let slash = essence.firstIndex(of: "/") else { return nil }
        type = String(essence[..<slash])
        subtype = String(essence[essence.index(after: slash)...])
        guard !type.isEmpty, !subtype.isEmpty else { return nil }
        var params: [(String, String)] = []
        for p in parts.dropFirst() {
            guard let eq = p.firstIndex(of: "=") else { continue }
            let key = p[..<eq].trimmingWhitespace().lowercased()
            var value = p[p.index(after: eq)...].trimmingWhitespace()
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            params.append((key, value))
        }
        parameters = params
    }

    func parameter(_ name: String) -> String? { parameters.first { $0.0 == name }?.1 }

    /// DRF's matching: a `*` on either side matches any subtype (or any type).
    func matches(_ type: String, _ subtype: String) -> Bool {
        (self.type == "*" || self.type == type) && (self.subtype == "*" || self.subtype == subtype)
    }

    static func == (lhs: MediaType, rhs: MediaType) -> Bool {
        lhs.type == rhs.type && lhs.subtype == rhs.subtype
    }
}
