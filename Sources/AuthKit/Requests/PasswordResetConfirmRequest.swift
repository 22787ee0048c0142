/// POST password/reset/confirm/ (issue 14): the new password twice and the link's uid and token.
public struct PasswordResetConfirmRequest: RequestBody {
    public let newPassword1: PasswordField
    public let newPassword2: PasswordField
    public let uid: String
    public let token: String

    enum CodingKeys: String, CodingKey {
        case newPassword1 = "new_password1"
        case newPassword2 = "new_password2"
        case uid, token
    }
}
