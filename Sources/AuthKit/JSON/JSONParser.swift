/// A strict JSON parser whose error messages are those of Python's `json` module (which DRF
/// puts after `JSON parse error - `), including positions counted in characters.
///
/// It also enforces a nesting limit (Python's recursion limit makes the reference crash with
/// a 500 on deep nesting; here it is an ordinary 400).
public struct JSONParser {
    public struct Failure: Error, Equatable, Sendable {
        /// The Python-style message, e.g. `Expecting value: line 1 column 1 (char 0)`.
        public let message: String
    }

    public static let maximumDepth = 512
    /// CPython refuses to convert integers longer than this (sys.get_int_max_str_digits()).
    static let maximumIntegerDigits = 4300

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    /// Object members read so far, and how many a document may have in all.
    private var members = 0
    private let maximumMembers: Int

    private init(_ bytes: [UInt8], maximumMembers: Int) {
        self.bytes = bytes
        self.maximumMembers = maximumMembers
    }

    /// Parses a UTF-8 document; request bodies pass `maximumMembers` (see `BodyParser`).
    public static func parse(_ bytes: [UInt8], maximumMembers: Int = .max) throws(Failure) -> JSONValue {
        if let problem = UTF8Check.firstError(in: bytes) { throw Failure(message: problem) }
        var parser = JSONParser(bytes, maximumMembers: maximumMembers)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw parser.failure("Unexpected UTF-8 BOM (decode using utf-8-sig)", at: 0)
        }
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.index != bytes.count { throw parser.failure("Extra data", at: parser.index) }
        return value
    }

    // MARK: - Values

    private mutating func parseValue() throws(Failure) -> JSONValue {
        guard index < bytes.count else { throw failure("Expecting value", at: index) }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return try parseString()
        case UInt8(ascii: "{"):
            return try nested { (p: inout JSONParser) throws(Failure) in try p.parseObject() }
        case UInt8(ascii: "["):
            return try nested { (p: inout JSONParser) throws(Failure) in try p.parseArray() }
        case UInt8(ascii: "n") where matches("null"):
            index += 4
            return .null
        case UInt8(ascii: "t") where matches("true"):
            index += 4
            return .bool(true)
        case UInt8(ascii: "f") where matches("false"):
            index += 5
            return .bool(false)
        case UInt8(ascii: "N") where matches("NaN"):
            throw outOfRange("NaN")
        case UInt8(ascii: "I") where matches("Infinity"):
            throw outOfRange("Infinity")
        case UInt8(ascii: "-") where matches("-Infinity"):
            throw outOfRange("-Infinity")
        default:
            return try parseNumber()
        }
    }

    private mutating func nested(_ body: (inout JSONParser) throws(Failure) -> JSONValue) throws(Failure) -> JSONValue {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maximumDepth {
            let kind = bytes[index] == UInt8(ascii: "{") ? "object" : "array"
            throw Failure(message: "maximum recursion depth exceeded while decoding a JSON \(kind) from a unicode string")
        }
        return try body(&self)
    }

    private mutating func parseObject() throws(Failure) -> JSONValue {
        index += 1  // {
        skipWhitespace()
        var object = JSONObject()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw failure("Expecting property name enclosed in double quotes", at: index)
            }
            members += 1
            if members > maximumMembers {
                throw failure("Too many object members (more than \(maximumMembers))", at: index)
            }
            let key: String
            switch try parseString() {
            case .string(let s): key = s
            case .surrogateString(let s, _): key = s
            default: key = ""
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw failure("Expecting ':' delimiter", at: index)
            }
            index += 1
            skipWhitespace()
            object[key] = try parseValue()
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else {
                throw failure("Expecting ',' delimiter", at: index)
            }
            index += 1
            skipWhitespace()
        }
    }

    private mutating func parseArray() throws(Failure) -> JSONValue {
        index += 1  // [
        skipWhitespace()
        var elements: [JSONValue] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else {
                throw failure("Expecting ',' delimiter", at: index)
            }
            index += 1
            skipWhitespace()
        }
    }

    private mutating func parseString() throws(Failure) -> JSONValue {
        let begin = index
        index += 1  // opening quote
        var out: [UInt8] = []
        var runStart = index
        var surrogate: UInt32?
        while true {
            guard index < bytes.count else { throw failure("Unterminated string starting at", at: begin) }
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                out.append(contentsOf: bytes[runStart..<index])
                index += 1
                let text = String(decoding: out, as: UTF8.self)
                if let surrogate { return .surrogateString(text: text, surrogate: surrogate) }
                return .string(text)
            }
            if c < 0x20 { throw failure("Invalid control character at", at: index) }
            if c != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            out.append(contentsOf: bytes[runStart..<index])
            let backslash = index
            index += 1
            guard index < bytes.count else { throw failure("Unterminated string starting at", at: begin) }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let uPosition = index - 1
                // CPython also wants a character after the four digits (`end >= len` check).
                guard index + 4 < bytes.count, let first = hex4(at: index) else {
                    throw failure("Invalid \\uXXXX escape", at: uPosition)
                }
                index += 4
                var scalar = first
                if (0xD800...0xDBFF).contains(first), index + 6 < bytes.count,
                   bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                {
                    guard let second = hex4(at: index + 2) else { throw failure("Invalid \\uXXXX escape", at: index + 1) }
                    if (0xDC00...0xDFFF).contains(second) {
                        scalar = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                        index += 6
                    }
                }
                if (0xD800...0xDFFF).contains(scalar) {
                    if surrogate == nil { surrogate = scalar }
                    scalar = 0xFFFD
                }
                appendUTF8(Unicode.Scalar(scalar)!, to: &out)
            default:
                throw failure("Invalid \\escape", at: backslash)
            }
            runStart = index
        }
    }

    private mutating func parseNumber() throws(Failure) -> JSONValue {
        let start = index
        var i = index
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count else { throw failure("Expecting value", at: start) }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[i]) {
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        } else {
            throw failure("Expecting value", at: start)
        }
        var isFloat = false
        if i + 1 < bytes.count, bytes[i] == UInt8(ascii: "."), isDigit(bytes[i + 1]) {
            isFloat = true
            i += 2
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            let eStart = i
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
            let digitsStart = i
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
            if i > digitsStart { isFloat = true } else { i = eStart }
        }
        index = i
        let literal = String(decoding: bytes[start..<i], as: UTF8.self)
        if !isFloat {
            let digits = literal.utf8.count - (literal.hasPrefix("-") ? 1 : 0)
            if digits > Self.maximumIntegerDigits {
                throw Failure(message: "Exceeds the limit (\(Self.maximumIntegerDigits) digits) for integer string conversion: value has \(digits) digits; use sys.set_int_max_str_digits() to increase the limit")
            }
        }
        return .number(JSONNumber(literal: literal))
    }

    // MARK: - Helpers

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func matches(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return word.withUTF8Buffer { w in
            for k in 0..<count where bytes[index + k] != w[k] { return false }
            return true
        }
    }

    private func hex4(at position: Int) -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = bytes[position + k]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    private func outOfRange(_ constant: String) -> Failure {
        Failure(message: "Out of range float values are not JSON compliant: '\(constant)'")
    }

    /// `<message>: line L column C (char P)`, where positions count characters as Python does.
    private func failure(_ message: String, at byteOffset: Int) -> Failure {
        var chars = 0
        var line = 1
        var lastNewline = -1
        var k = 0
        let end = min(byteOffset, bytes.count)
        while k < end {
            let b = bytes[k]
            if b & 0xC0 != 0x80 {
                if b == 0x0A {
                    line += 1
                    lastNewline = chars
                }
                chars += 1
            }
            k += 1
        }
        return Failure(message: "\(message): line \(line) column \(chars - lastNewline) (char \(chars))")
    }
}

func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
    let v = scalar.value
    switch v {
    case 0..<0x80:
        out.append(UInt8(v))
    case 0x80..<0x800:
        out.append(UInt8(0xC0 | v >> 6)); out.append(UInt8(0x80 | v & 0x3F))
    case 0x800..<0x10000:
        out.append(UInt8(0xE0 | v >> 12)); out.append(UInt8(0x80 | v >> 6 & 0x3F)); out.append(UInt8(0x80 | v & 0x3F))
    default:
        out.append(UInt8(0xF0 | v >> 18)); out.append(UInt8(0x80 | v >> 12 & 0x3F))
        out.append(UInt8(0x80 | v >> 6 & 0x3F)); out.append(UInt8(0x80 | v & 0x3F))
    }
}
