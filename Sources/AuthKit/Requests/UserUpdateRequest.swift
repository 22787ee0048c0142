/// PUT / PATCH user/ (API.md §7). PUT requires `username`; PATCH requires nothing. `email`
/// and `pk` are read-only and ignored.
public struct UserUpdateRequest: RequestBody {
    public let username: Username?
    public let firstName: PersonName?
    public let lastName: PersonName?

    enum CodingKeys: String, CodingKey {
        case username
        case firstName = "first_name"
        case lastName = "last_name"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        username = decoder.fieldContext.partial
            ? try c.decodeIfPresent(Username.self, forKey: .username)
            : try c.decode(Username.self, forKey: .username)
        firstName = try c.decodeIfPresent(PersonName.self, forKey: .firstName)
        lastName = try c.decodeIfPresent(PersonName.self, forKey: .lastName)
    }
}
