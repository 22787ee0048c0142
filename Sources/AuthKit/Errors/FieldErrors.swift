/// Field errors in the order DRF reports them: the order the fields are declared (decoded).
public struct FieldErrors: Sendable, Equatable {
    public private(set) var entries: [(field: String, messages: [String])] = []

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }

    public mutating func add(_ field: String, _ messages: [String]) {
        if let i = entries.firstIndex(where: { $0.field == field }) {
            entries[i].messages += messages
        } else {
            entries.append((field, messages))
        }
    }

    public static func == (lhs: FieldErrors, rhs: FieldErrors) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.field == $1.field && $0.messages == $1.messages }
    }

    var json: JSONValue {
        var object = JSONObject()
        for (field, messages) in entries { object.append(field, .array(messages.map { .string($0) })) }
        return .object(object)
    }
}
