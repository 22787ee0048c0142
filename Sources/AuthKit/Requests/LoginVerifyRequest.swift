/// POST login/verify/ (API.md §5).
public struct LoginVerifyRequest: RequestBody {
    public let ephemeralToken: String
    public let code: String

    enum CodingKeys: String, CodingKey {
        case ephemeralToken = "ephemeral_token"
        case code
    }
}
