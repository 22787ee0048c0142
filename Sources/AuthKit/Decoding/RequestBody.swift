/// One request type per endpoint (like a DRF serializer): `Decodable` field declarations plus
/// a pure `validate()` for object-level rules that need neither the database nor the clock.
public protocol RequestBody: Decodable, Sendable {
    /// Runs only when every field is valid; throws the first object-level failure.
    func validate() throws(APIError)
}

extension RequestBody {
    public func validate() throws(APIError) {}

    /// Decodes and validates a parsed body (API.md §1.1 order: non-object bodies, then all
    /// field errors at once, then object-level checks).
    public static func decode(from body: JSONValue, context: FieldContext) throws -> Self {
        let object: JSONObject
        switch body {
        case .object(let o): object = o
        case .null: throw APIError.nonField("No data provided")
        default: throw APIError.nonField("Invalid data. Expected a dictionary, but got \(body.pythonTypeName).")
        }
        let state = RequestDecoder.State(context: context)
        // Throws only when a request type declares an unsupported field type (a bug, logged as a 500).
        let value = try Self(from: RequestDecoder(object: object, state: state))
        if !state.errors.isEmpty { throw APIError.fields(state.errors) }
        try value.validate()
        return value
    }
}
