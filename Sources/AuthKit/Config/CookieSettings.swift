/// drf-auth-kit's cookie settings (API.md §9): names, paths and attributes of the auth cookies.
public struct CookieSettings: Sendable {
    public var useAuthCookie: Bool
    public var secure: Bool
    public var httpOnly: Bool
    /// "Lax", "Strict", "None", or nil for no attribute.
    public var sameSite: String?
    public var domain: String?
    public var partitioned: Bool
    public var accessName: String
    public var accessPath: String
    public var refreshName: String
    public var refreshPath: String
}
