/// POST password/change/ (issue 14): two new passwords, and the old one first only with
/// AUTHKIT_OLD_PASSWORD_FIELD_ENABLED (when off, an `old_password` in the body is ignored).
public struct PasswordChangeRequest: RequestBody {
    public let oldPassword: PasswordField?
    public let newPassword1: PasswordField
    public let newPassword2: PasswordField

    enum CodingKeys: String, CodingKey {
        case oldPassword = "old_password"
        case newPassword1 = "new_password1"
        case newPassword2 = "new_password2"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        oldPassword = decoder.fieldContext.settings.account.oldPasswordFieldEnabled
            ? try c.decode(PasswordField.self, forKey: .oldPassword) : nil
        newPassword1 = try c.decode(PasswordField.self, forKey: .newPassword1)
        newPassword2 = try c.decode(PasswordField.self, forKey: .newPassword2)
    }
}
