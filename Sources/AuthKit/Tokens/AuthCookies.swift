/// The auth cookies as Django writes them (API.md §3.2): attributes in Python's sorted order —
/// Domain, expires, HttpOnly, Max-Age, Partitioned, Path, SameSite, Secure.
public struct AuthCookies: Sendable {
    let settings: CookieSettings

    public init(_ settings: CookieSettings) { self.settings = settings }

    public var enabled: Bool { settings.useAuthCookie }

    public func setAccess(_ token: String, maxAge: Int64, now: Int64) -> (String, String) {
        ("Set-Cookie", set(settings.accessName, token, path: settings.accessPath, maxAge: maxAge, now: now))
    }

    public func setRefresh(_ token: String, maxAge: Int64, now: Int64) -> (String, String) {
        ("Set-Cookie", set(settings.refreshName, token, path: settings.refreshPath, maxAge: maxAge, now: now))
    }

    /// The device cookie: always HttpOnly (scripts never need it), scoped to the API's path,
    /// with the auth cookies' Domain, SameSite and Secure attributes.
    public func setDevice(_ value: String, path: String, maxAge: Int64, now: Int64) -> (String, String) {
        var parts = ["\(settings.deviceName)=\(value)"]
        if let domain = settings.domain { parts.append("Domain=\(domain)") }
        parts.append("expires=\(TimeFormat.httpDate(now + maxAge))")
        parts.append("HttpOnly")
        parts.append("Max-Age=\(maxAge)")
        parts.append("Path=\(path)")
        if let sameSite = settings.sameSite { parts.append("SameSite=\(sameSite)") }
        if settings.secure { parts.append("Secure") }
        return ("Set-Cookie", parts.joined(separator: "; "))
    }

    /// Both deletion cookies, as logout/ sends them (no HttpOnly, as in Django's delete_cookie).
    public func deleteBoth() -> [(String, String)] {
        [("Set-Cookie", delete(settings.accessName, path: settings.accessPath)),
         ("Set-Cookie", delete(settings.refreshName, path: settings.refreshPath))]
    }

    private func set(_ name: String, _ value: String, path: String, maxAge: Int64, now: Int64) -> String {
        var parts = ["\(name)=\(value)"]
        if let domain = settings.domain { parts.append("Domain=\(domain)") }
        parts.append("expires=\(TimeFormat.httpDate(now + maxAge))")
        if settings.httpOnly { parts.append("HttpOnly") }
        parts.append("Max-Age=\(maxAge)")
        if settings.partitioned { parts.append("Partitioned") }
        parts.append("Path=\(path)")
        if let sameSite = settings.sameSite { parts.append("SameSite=\(sameSite)") }
        if settings.secure { parts.append("Secure") }
        return parts.joined(separator: "; ")
    }

    private func delete(_ name: String, path: String) -> String {
        var parts = ["\(name)=\"\""]
        if let domain = settings.domain { parts.append("Domain=\(domain)") }
        parts.append("expires=Thu, 01 Jan 1970 00:00:00 GMT")
        parts.append("Max-Age=0")
        parts.append("Path=\(path)")
        if let sameSite = settings.sameSite { parts.append("SameSite=\(sameSite)") }
        // Django marks a deletion Secure only for SameSite=None or __Secure-/__Host- names.
        if settings.sameSite == "None" || name.hasPrefix("__Secure-") || name.hasPrefix("__Host-") { parts.append("Secure") }
        return parts.joined(separator: "; ")
    }

    /// The value of cookie `name` in a `Cookie:` header (Django's parse_cookie: last one wins,
    /// surrounding quotes removed).
    public static func value(_ name: String, in header: String?) -> String? {
        guard let header else { return nil }
        var found: String?
        for chunk in header.split(separator: ";") {
            let item = chunk.trimmingWhitespace()
            guard let eq = item.firstIndex(of: "=") else { continue }
            guard item[..<eq].trimmingWhitespace() == name else { continue }
            var value = item[item.index(after: eq)...].trimmingWhitespace()
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            found = value
        }
        return found
    }
}
