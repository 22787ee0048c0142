/// POST registration/verify-email/ (issue 14): the key from the confirmation mail.
public struct VerifyEmailRequest: RequestBody {
    public let key: String
}
