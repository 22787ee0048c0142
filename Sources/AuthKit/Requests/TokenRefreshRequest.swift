/// POST token/refresh/ (API.md §7): `refresh` is optional and may be blank (then the refresh
/// cookie is used); it is not trimmed.
public struct TokenRefreshRequest: RequestBody {
    public let refresh: UntrimmedString?
}
