/// A field type with DRF semantics that request types can declare besides `String`
/// (which is a required, trimmed, non-blank CharField).
public protocol RequestField: Decodable, Sendable {
    /// Validates the raw value (nil when the key is missing).
    static func parse(_ value: JSONValue?, context: FieldContext) -> Result<Self, FieldFailure>
    /// Returned while errors are being collected, so decoding can go on to the next field.
    static var placeholder: Self { get }
}

/// What field parsing may depend on: the configured method names and the settings.
public struct FieldContext: Sendable {
    public let methodNames: [String]
    public let settings: Settings
}

extension RequestField {
    public init(from decoder: any Decoder) throws {
        throw DecodingError.typeMismatch(Self.self, .init(codingPath: decoder.codingPath,
            debugDescription: "\(Self.self) is only decoded by RequestDecoder"))
    }
}

/// A CharField with `allow_blank=True`: trimmed, may be empty.
public struct BlankableString: RequestField, Equatable {
    public let value: String
    public init(_ value: String) { self.value = value }

    public static func parse(_ value: JSONValue?, context: FieldContext) -> Result<BlankableString, FieldFailure> {
        FieldRules.string(value, allowBlank: true).map(BlankableString.init)
    }

    public static var placeholder: BlankableString { BlankableString("") }
}

/// A ChoiceField over the configured MFA handler names (`app`, `email` by default).
public struct MethodName: RequestField, Equatable, Hashable, CustomStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { value }

    public static func parse(_ value: JSONValue?, context: FieldContext) -> Result<MethodName, FieldFailure> {
        FieldRules.choice(value, choices: context.methodNames).map(MethodName.init)
    }

    public static var placeholder: MethodName { MethodName("") }
}
