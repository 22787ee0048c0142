/// POST registration/resend-email/ (issue 14): the address to send a new confirmation mail to.
public struct ResendEmailVerificationRequest: RequestBody {
    public let email: EmailField
}
