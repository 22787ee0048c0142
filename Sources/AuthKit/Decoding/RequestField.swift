/// A field type with DRF semantics that request types can declare besides `String`
/// (which is a required, trimmed, non-blank CharField).
public protocol RequestField: Decodable, Sendable {
    /// Validates the raw value (nil when the key is missing).
    static func parse(_ value: JSONValue?, context: FieldContext) -> Result<Self, FieldFailure>
    /// Returned while errors are being collected, so decoding can go on to the next field.
    static var placeholder: Self { get }
}

/// What field parsing may depend on: the configured method names, the settings, and whether
/// the request is a partial update (PATCH: no field is required).
public struct FieldContext: Sendable {
    public let methodNames: [String]
    public let settings: Settings
    public var partial = false

    public init(methodNames: [String], settings: Settings, partial: Bool = false) {
        self.methodNames = methodNames
        self.settings = settings
        self.partial = partial
    }
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

/// A CharField that keeps surrounding whitespace (`trim_whitespace=False`) and may be blank:
/// token/refresh/'s `refresh`.
public struct UntrimmedString: RequestField, Equatable {
    public let value: String
    public init(_ value: String) { self.value = value }

    public static func parse(_ value: JSONValue?, context: FieldContext) -> Result<UntrimmedString, FieldFailure> {
        FieldRules.string(value, allowBlank: true, trim: false).map(UntrimmedString.init)
    }

    public static var placeholder: UntrimmedString { UntrimmedString("") }
}

/// Django's username field: letters, digits and @ . + - _ only, at most 150 characters.
public struct Username: RequestField, Equatable {
    public let value: String
    public init(_ value: String) { self.value = value }

    public static func parse(_ value: JSONValue?, context: FieldContext) -> Result<Username, FieldFailure> {
        FieldRules.string(value, maxLength: 150, validators: [FieldRules.username]).map(Username.init)
    }

    public static var placeholder: Username { Username("") }
}

/// first_name / last_name: may be blank, at most 150 characters.
public struct PersonName: RequestField, Equatable {
    public let value: String
    public init(_ value: String) { self.value = value }

    public static func parse(_ value: JSONValue?, context: FieldContext) -> Result<PersonName, FieldFailure> {
        FieldRules.string(value, allowBlank: true, maxLength: 150).map(PersonName.init)
    }

    public static var placeholder: PersonName { PersonName("") }
}

/// A nested JSON object (DRF's DictField), for handlers whose evidence is structured — a
/// WebAuthn credential, say. Any other JSON type gets DictField's message.
public struct JSONObjectField: RequestField, Equatable {
    public let value: JSONObject
    public init(_ value: JSONObject) { self.value = value }

    public static func parse(_ value: JSONValue?, context: FieldContext) -> Result<JSONObjectField, FieldFailure> {
        switch value {
        case nil: return .failure([FieldRules.required])
        case .null?: return .failure([FieldRules.null])
        case .object(let object)?: return .success(JSONObjectField(object))
        case let other?: return .failure(["Expected a dictionary of items but got type \"\(other.pythonTypeName)\"."])
        }
    }

    public static var placeholder: JSONObjectField { JSONObjectField(JSONObject()) }
}
