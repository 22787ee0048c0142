/// POST login/resend/ and login/challenge/ (API.md §5): both take only the ephemeral token.
public struct EphemeralTokenRequest: RequestBody {
    public let ephemeralToken: String

    enum CodingKeys: String, CodingKey {
        case ephemeralToken = "ephemeral_token"
    }
}
