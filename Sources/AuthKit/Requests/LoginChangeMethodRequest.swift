/// POST login/change-method/ (API.md §5).
public struct LoginChangeMethodRequest: RequestBody {
    public let ephemeralToken: String
    public let newMethod: MethodName

    enum CodingKeys: String, CodingKey {
        case ephemeralToken = "ephemeral_token"
        case newMethod = "new_method"
    }
}
