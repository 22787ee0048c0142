/// A field kept as sent (nil: absent), never failing while the body is decoded: for request
/// types whose controller must report field rules together with checks made later.
public struct UncheckedField: RequestField, Equatable {
    public let raw: JSONValue?
    public init(_ raw: JSONValue?) { self.raw = raw }

    public static func parse(_ value: JSONValue?, context: FieldContext) -> Result<UncheckedField, FieldFailure> {
        .success(UncheckedField(value))
    }

    public static var placeholder: UncheckedField { UncheckedField(nil) }
}
