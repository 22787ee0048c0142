import CLibPQ

/// libpq's own reading of a connection string (`PQconninfoParse`), so a setting is judged by
/// exactly the parser that will later use it: a URI or `key=value` text libpq refuses is refused
/// at start, not on the first request.
public enum PGConnInfo {
    /// The keywords `conninfo` sets (without libpq's environment or compiled-in defaults).
    /// Throws with libpq's message when it does not parse.
    public static func parse(_ conninfo: String) throws(PGError) -> [String: String] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            let text = errorMessage.map { String(cString: $0) } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }
            let message = text.split(whereSeparator: \.isNewline).joined(separator: " ")
            throw PGError(kind: .decoding, message: message)
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return values
    }
}
