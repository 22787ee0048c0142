/// A value that can be sent as a text-format statement parameter.
public protocol PGBindable {
    /// The parameter in PostgreSQL's text input format, or nil for SQL NULL.
    var pgText: String? { get }
}

extension String: PGBindable { public var pgText: String? { self } }
extension Substring: PGBindable { public var pgText: String? { String(self) } }
extension Int: PGBindable { public var pgText: String? { String(self) } }
extension Int64: PGBindable { public var pgText: String? { String(self) } }
extension Int32: PGBindable { public var pgText: String? { String(self) } }
extension Bool: PGBindable { public var pgText: String? { self ? "t" : "f" } }

extension Optional: PGBindable where Wrapped: PGBindable {
    public var pgText: String? {
        switch self {
        case .none: return nil
        case .some(let value): return value.pgText
        }
    }
}

/// Binary data, sent as `bytea` in hex format.
public struct PGBytes: PGBindable, Sendable, Equatable {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var pgText: String? {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [0x5C, 0x78]  // "\x"
        out.reserveCapacity(2 + bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses PostgreSQL's hex `bytea` output format (`\x...`).
    public init?(pgText text: String) {
        let chars = Array(text.utf8)
        guard chars.count >= 2, chars[0] == 0x5C, chars[1] == 0x78, chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity((chars.count - 2) / 2)
        var i = 2
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        bytes = out
    }
}
