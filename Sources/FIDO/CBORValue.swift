/// A decoded CBOR item, as far as WebAuthn needs one. Tags, floats and simple values other than
/// booleans and null are kept only as `.other`: no WebAuthn structure uses them.
public enum CBORValue: Sendable, Equatable {
    case unsigned(UInt64)
    /// The negative integer `-1 - n`.
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBORValue])
    case map([CBORPair])
    case bool(Bool)
    case null
    case other

    /// The integer value, when it fits an `Int`.
    public var integer: Int? {
        switch self {
        case .unsigned(let n): return n <= UInt64(Int.max) ? Int(n) : nil
        case .negative(let n): return n < UInt64(Int.max) ? -1 - Int(n) : nil
        default: return nil
        }
    }

    public var byteString: [UInt8]? {
        if case .bytes(let b) = self { return b }
        return nil
    }

    public var textString: String? {
        if case .text(let t) = self { return t }
        return nil
    }

    public var pairs: [CBORPair]? {
        if case .map(let p) = self { return p }
        return nil
    }

    /// The value under a text key of a map (nil when absent or not a map).
    public subscript(key: String) -> CBORValue? {
        pairs?.first { $0.key == .text(key) }?.value
    }

    /// The value under an integer key of a map (COSE keys use them).
    public subscript(key: Int) -> CBORValue? {
        pairs?.first { $0.key.integer == key }?.value
    }
}

public struct CBORPair: Sendable, Equatable {
    public let key: CBORValue
    public let value: CBORValue
}
