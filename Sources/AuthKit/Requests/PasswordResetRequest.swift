/// POST password/reset/ (issue 14): the address to send a reset link to.
public struct PasswordResetRequest: RequestBody {
    public let email: EmailField
}
