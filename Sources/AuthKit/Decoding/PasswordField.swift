/// The password fields of password/change/ and password/reset/confirm/: a required CharField
/// with `max_length=128` (trimmed like every DRF CharField, as the reference does).
public struct PasswordField: RequestField, Equatable {
    public let value: String
    public init(_ value: String) { self.value = value }

    public static func parse(_ value: JSONValue?, context: FieldContext) -> Result<PasswordField, FieldFailure> {
        FieldRules.string(value, maxLength: 128).map(PasswordField.init)
    }

    public static var placeholder: PasswordField { PasswordField("") }
}
