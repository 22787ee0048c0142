/// POST token/verify/ (API.md §7).
public struct TokenVerifyRequest: RequestBody {
    public let token: String
}
