/// POST login/ (API.md §5).
public struct LoginRequest: RequestBody {
    public let username: String
    public let password: String
}
