/// `setup_data.qr_link` (API.md §3.6) exactly as pyotp 2.11.1 builds it for drf-auth-kit:
/// `otpauth://totp/<issuer>:<username>?secret=<S>&issuer=<issuer>`. The label parts are
/// `quote(s, safe="/")`; the issuer parameter is urlencoded, so there '/' is escaped too and a
/// space is `%20`.
enum OTPAuthURI {
    static func make(issuer: String, username: String, secret: String) -> String {
        "otpauth://totp/\(quote(issuer)):\(quote(username))?secret=\(quote(secret, keepSlash: false))&issuer=\(quote(issuer, keepSlash: false))"
    }

    /// pyotp's `quote(s, safe="/")` for the label, `urlencode` for the parameters.
    static func quote(_ text: String, keepSlash: Bool = true) -> String {
        FormURLEncoded.quote(text, keepSlash: keepSlash)
    }
}
