import CryptoCore

/// `application/x-www-form-urlencoded` bodies, read like Django's QueryDict: `+` is a space,
/// `%XX` escapes are decoded (invalid UTF-8 becomes U+FFFD), a repeated key keeps its last value.
enum FormURLEncoded {
    /// Django's TooManyFieldsSent, when a body has more than `maximumFields` pairs.
    struct TooManyFields: Error {}

    static func parse(_ body: [UInt8]) -> JSONObject {
        (try? parse(body, maximumFields: .max)) ?? JSONObject()
    }

    static func parse(_ body: [UInt8], maximumFields: Int) throws(TooManyFields) -> JSONObject {
        var object = JSONObject()
        var fields = 0
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            fields += 1
            if fields > maximumFields { throw TooManyFields() }
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            if key.isEmpty && parts.count == 1 { continue }
            object[key] = .string(value)
        }
        return object
    }

    static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "+") {
                out.append(0x20)
            } else if b == UInt8(ascii: "%"), i + 2 < bytes.endIndex, let hi = Hex.nibble(bytes[i + 1]), let lo = Hex.nibble(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 2
            } else {
                out.append(b)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Python's `quote_plus` (what `urlencode` writes): letters, digits and `_.-~` stay, a space
    /// becomes `+`, every other UTF-8 byte `%XX` (upper-case hex).
    static func quotePlus(_ text: String) -> String { quote(text, spaceAsPlus: true) }

    /// Python's `quote`: RFC 3986 unreserved characters (and '/' when `keepSlash`) stay, a space
    /// is `+` only with `spaceAsPlus`, every other UTF-8 byte becomes `%XX` (upper-case hex).
    static func quote(_ text: String, keepSlash: Bool = false, spaceAsPlus: Bool = false) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            case UInt8(ascii: " ") where spaceAsPlus:
                out.append("+")
            default:
                out.append("%")
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
        return out
    }

    /// Percent-decodes a URL path (no `+` rule).
    static func decodePath(_ path: String) -> String {
        guard path.utf8.contains(UInt8(ascii: "%")) else { return path }
        let bytes = Array(path.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let hi = Hex.nibble(bytes[i + 1]), let lo = Hex.nibble(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
