/// POST registration/ (issue 14). Every field is taken as sent: the controller applies the
/// field rules itself, because the reference reports them together with checks that need the
/// database (a taken username or address) and the password policy, in field order.
public struct RegisterRequest: RequestBody {
    public let username: UncheckedField
    public let email: UncheckedField
    public let password1: UncheckedField
    public let password2: UncheckedField
    public let firstName: UncheckedField
    public let lastName: UncheckedField

    enum CodingKeys: String, CodingKey {
        case username, email, password1, password2
        case firstName = "first_name"
        case lastName = "last_name"
    }
}
