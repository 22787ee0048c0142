/// POST webauthn/credentials/: the registration (an object, or its JSON text) and an optional
/// name (null or absent: `Passkey`).
public struct PasskeyCreateRequest: RequestBody {
    public let credential: AnyJSONField
    public let name: PasskeyName

    enum CodingKeys: String, CodingKey { case credential, name }
}

/// PATCH webauthn/credentials/{id}/rename/.
public struct PasskeyRenameRequest: RequestBody {
    public let name: RequiredPasskeyName

    enum CodingKeys: String, CodingKey { case name }
}

/// POST passwordless/webauthn/initiate/: an optional address whose keys the options list.
public struct PasswordlessPasskeyInitiateRequest: RequestBody {
    public let email: EmailField?

    enum CodingKeys: String, CodingKey { case email }
}

/// POST passwordless/webauthn/verify/.
public struct PasswordlessPasskeyVerifyRequest: RequestBody {
    public let credential: AnyJSONField
    public let sessionID: String

    enum CodingKeys: String, CodingKey {
        case credential
        case sessionID = "session_id"
    }
}

/// POST passwordless/email/initiate/.
public struct LoginLinkRequest: RequestBody {
    public let email: EmailField
}

/// POST passwordless/email/verify/.
public struct LoginLinkVerifyRequest: RequestBody {
    public let token: String
}

/// Any JSON value but null (DRF's JSONField): what it must be is the ceremony's check.
public struct AnyJSONField: RequestField, Equatable {
    public let value: JSONValue
    public init(_ value: JSONValue) { self.value = value }

    public static func parse(_ value: JSONValue?, context: FieldContext) -> Result<AnyJSONField, FieldFailure> {
        switch value {
        case nil: return .failure([FieldRules.required])
        case .null?: return .failure([FieldRules.null])
        case let value?: return .success(AnyJSONField(value))
        }
    }

    public static var placeholder: AnyJSONField { AnyJSONField(.null) }
}

/// A key's optional name: at most 255 characters, trimmed; absent, null or blank: none.
public struct PasskeyName: RequestField, Equatable {
    public let value: String?
    public init(_ value: String?) { self.value = value }

    public static func parse(_ value: JSONValue?, context: FieldContext) -> Result<PasskeyName, FieldFailure> {
        guard let value, value != .null else { return .success(PasskeyName(nil)) }
        return FieldRules.string(value, allowBlank: true, maxLength: 255).map { PasskeyName($0.isEmpty ? nil : $0) }
    }

    public static var placeholder: PasskeyName { PasskeyName(nil) }
}

/// A key's new name: required, not blank, at most 255 characters, trimmed.
public struct RequiredPasskeyName: RequestField, Equatable {
    public let value: String
    public init(_ value: String) { self.value = value }

    public static func parse(_ value: JSONValue?, context: FieldContext) -> Result<RequiredPasskeyName, FieldFailure> {
        FieldRules.string(value, maxLength: 255).map(RequiredPasskeyName.init)
    }

    public static var placeholder: RequiredPasskeyName { RequiredPasskeyName("") }
}
