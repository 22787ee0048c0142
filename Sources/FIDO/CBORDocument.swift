import CCbor

/// One CBOR item decoded by libcbor. The item tree is owned here and released in `deinit`.
final class CBORDocument {
    private let root: UnsafeMutablePointer<cbor_item_t>
    /// How many input bytes the item took (a COSE key inside authenticatorData is followed by more).
    let length: Int

    /// Decodes the first item of `bytes`; the header walk in `CBORLimits` runs first so libcbor
    /// only ever sees bounded, shallow input.
    init(decodingPrefixOf bytes: [UInt8]) throws(FIDOError) {
        let expected = try CBORLimits.firstItemLength(bytes)
        var result = cbor_load_result()
        let item = bytes.withUnsafeBufferPointer { cbor_load($0.baseAddress, expected, &result) }
        guard let item else { throw FIDOError(.malformed, "CBOR", Self.describe(result.error.code)) }
        root = item
        length = result.read
        guard length == expected else {
            throw FIDOError(.malformed, "CBOR", "item length \(length), header walk \(expected)")
        }
    }

    deinit {
        var item: UnsafeMutablePointer<cbor_item_t>? = root
        cbor_decref(&item)
    }

    /// The whole item as a Swift value.
    var value: CBORValue { Self.convert(root) }

    /// The value of a text key of the top-level map, re-encoded (libfido2 wants attStmt as CBOR).
    func encodedValue(ofKey key: String) throws(FIDOError) -> [UInt8] {
        guard cbor_isa_map(root), let handle = cbor_map_handle(root) else {
            throw FIDOError(.malformed, "CBOR", "not a map")
        }
        for i in 0..<cbor_map_size(root) where Self.convert(handle[i].key) == .text(key) {
            var buffer: UnsafeMutablePointer<UInt8>?
            var capacity = 0
            let written = cbor_serialize_alloc(handle[i].value, &buffer, &capacity)
            defer { authkit_cbor_free_buffer(buffer) }
            guard written > 0, let buffer else { throw FIDOError(.library, "CBOR", "cannot re-encode \(key)") }
            return Array(UnsafeBufferPointer(start: buffer, count: written))
        }
        throw FIDOError(.malformed, "CBOR", "no \(key)")
    }

    /// Depth is bounded by `CBORLimits.maximumDepth`, so the recursion is too.
    private static func convert(_ item: UnsafeMutablePointer<cbor_item_t>) -> CBORValue {
        switch cbor_typeof(item) {
        case CBOR_TYPE_UINT: return .unsigned(cbor_get_int(item))
        case CBOR_TYPE_NEGINT: return .negative(cbor_get_int(item))
        case CBOR_TYPE_BYTESTRING:
            // Indefinite (chunked) strings never occur in WebAuthn; refuse them by shape.
            guard cbor_bytestring_is_definite(item) else { return .other }
            let count = cbor_bytestring_length(item)
            guard count > 0, let handle = cbor_bytestring_handle(item) else { return .bytes([]) }
            return .bytes(Array(UnsafeBufferPointer(start: handle, count: count)))
        case CBOR_TYPE_STRING:
            guard cbor_string_is_definite(item) else { return .other }
            let count = cbor_string_length(item)
            guard count > 0, let handle = cbor_string_handle(item) else { return .text("") }
            let bytes = Array(UnsafeBufferPointer(start: handle, count: count))
            guard let text = String(validating: bytes, as: UTF8.self) else { return .other }
            return .text(text)
        case CBOR_TYPE_ARRAY:
            let count = cbor_array_size(item)
            guard count > 0, let handle = cbor_array_handle(item) else { return .array([]) }
            return .array((0..<count).map { handle[$0].map(convert) ?? .other })
        case CBOR_TYPE_MAP:
            let count = cbor_map_size(item)
            guard count > 0, let handle = cbor_map_handle(item) else { return .map([]) }
            return .map((0..<count).map { i in
                CBORPair(key: handle[i].key.map(convert) ?? .other, value: handle[i].value.map(convert) ?? .other)
            })
        case CBOR_TYPE_FLOAT_CTRL:
            // libcbor asserts when asked for the control value of a float: ask what it is first.
            guard cbor_float_ctrl_is_ctrl(item) else { return .other }
            if cbor_is_bool(item) { return .bool(cbor_get_bool(item)) }
            if cbor_is_null(item) { return .null }
            return .other
        default:
            return .other
        }
    }

    private static func describe(_ code: cbor_error_code) -> String {
        switch code {
        case CBOR_ERR_NOTENOUGHDATA: return "truncated"
        case CBOR_ERR_NODATA: return "empty"
        case CBOR_ERR_MALFORMATED: return "malformed"
        case CBOR_ERR_MEMERROR: return "out of memory"
        default: return "syntax error"
        }
    }
}

/// Decoding entry points for the rest of the service (no libcbor types above this module).
public enum CBOR {
    /// The first item of `bytes` and how many bytes it took.
    public static func decodePrefix(_ bytes: [UInt8]) throws(FIDOError) -> (value: CBORValue, length: Int) {
        let document = try CBORDocument(decodingPrefixOf: bytes)
        return (document.value, document.length)
    }

    /// Exactly one item filling all of `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(FIDOError) -> CBORValue {
        let (value, length) = try decodePrefix(bytes)
        guard length == bytes.count else { throw FIDOError(.malformed, "CBOR", "trailing bytes") }
        return value
    }
}
