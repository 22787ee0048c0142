/// POST mfa/delete/ (API.md §6): `code` (optional, may be blank) is read only with
/// MFA_DELETE_ACTIVE_METHOD_REQUIRE_CODE; otherwise it is ignored.
public struct MFADeleteRequest: RequestBody {
    public let method: MethodName
    public let code: BlankableString?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        method = try c.decode(MethodName.self, forKey: .method)
        code = decoder.fieldContext.settings.mfa.deleteActiveRequiresCode
            ? try c.decodeIfPresent(BlankableString.self, forKey: .code) : nil
    }

    enum CodingKeys: String, CodingKey { case method, code }
}
