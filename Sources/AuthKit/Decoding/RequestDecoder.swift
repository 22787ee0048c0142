/// Decodes a request body into an endpoint's `RequestBody` type with DRF's serializer rules:
/// every field is checked and all field errors are reported at once, in declaration order.
///
/// Invalid fields do not stop decoding: their error is recorded and a placeholder is returned,
/// so the `Decodable` initialiser runs to the end and the caller throws one combined 400.
struct RequestDecoder: Decoder {
    final class State {
        var errors = FieldErrors()
        let context: FieldContext
        init(context: FieldContext) { self.context = context }
    }

    let object: JSONObject
    let state: State
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [.fieldContext: state.context] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(FieldContainer<Key>(object: object, state: state))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw unsupported("an unkeyed container") }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { throw unsupported("a single value") }

    private func unsupported(_ what: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: [], debugDescription: "request bodies are objects, not \(what)"))
    }
}

extension CodingUserInfoKey {
    /// The `FieldContext` of the request being decoded, for request types whose fields depend
    /// on settings (e.g. `primary_code` is required only when a setting is on).
    public static let fieldContext = CodingUserInfoKey(rawValue: "authkit.fieldContext")!
}

extension Decoder {
    public var fieldContext: FieldContext {
        guard let context = userInfo[.fieldContext] as? FieldContext else {
            preconditionFailure("request types are decoded by RequestDecoder")
        }
        return context
    }
}

private struct FieldContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let state: RequestDecoder.State
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { object.entries.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    func decodeNil(forKey key: Key) throws -> Bool { object[key.stringValue] == .null }

    private func record<T>(_ key: Key, _ result: Result<T, FieldFailure>, placeholder: T) -> T {
        switch result {
        case .success(let value): return value
        case .failure(let failure):
            state.errors.add(key.stringValue, failure.messages)
            return placeholder
        }
    }

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        record(key, FieldRules.string(object[key.stringValue]), placeholder: "")
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard object[key.stringValue] != nil else { return nil }
        return try decode(type, forKey: key)
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let fieldType = T.self as? any RequestField.Type else {
            throw DecodingError.typeMismatch(T.self, .init(codingPath: [key],
                debugDescription: "request fields must be String or a RequestField type"))
        }
        return decodeField(fieldType, key) as! T
    }

    private func decodeField<F: RequestField>(_ type: F.Type, _ key: Key) -> F {
        record(key, F.parse(object[key.stringValue], context: state.context), placeholder: F.placeholder)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard object[key.stringValue] != nil else { return nil }
        return try decode(type, forKey: key)
    }

    // Request types only declare strings and RequestField types.
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { throw mismatch(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { throw mismatch(type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { throw mismatch(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { throw mismatch(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { throw mismatch(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { throw mismatch(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { throw mismatch(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { throw mismatch(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { throw mismatch(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { throw mismatch(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { throw mismatch(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { throw mismatch(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { throw mismatch(type, key) }

    private func mismatch(_ type: Any.Type, _ key: Key) -> DecodingError {
        .typeMismatch(type, .init(codingPath: [key], debugDescription: "request fields must be String or a RequestField type"))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw mismatch(type, key)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { throw mismatch([Any].self, key) }
    func superDecoder() throws -> any Decoder { throw mismatch(Any.self, Key(stringValue: "super")!) }
    func superDecoder(forKey key: Key) throws -> any Decoder { throw mismatch(Any.self, key) }
}
