/// POST mfa/primary/ (API.md §6): `primary_code` is required (not blank) only with
/// MFA_UPDATE_PRIMARY_METHOD_REQUIRED_PRIMARY_CODE; otherwise it is ignored.
public struct MFAPrimaryRequest: RequestBody {
    public let method: MethodName
    public let primaryCode: String?

    enum CodingKeys: String, CodingKey {
        case method
        case primaryCode = "primary_code"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        method = try c.decode(MethodName.self, forKey: .method)
        primaryCode = decoder.fieldContext.settings.mfa.updatePrimaryRequiresPrimaryCode
            ? try c.decode(String.self, forKey: .primaryCode) : nil
    }
}
