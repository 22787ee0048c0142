/// `setup_data.qr_link` (API.md §3.6) exactly as pyotp 2.11.1 builds it for drf-auth-kit:
/// `otpauth://totp/<issuer>:<username>?secret=<S>&issuer=<issuer>`. The label parts are
/// `quote(s, safe="/")`; the issuer parameter is urlencoded, so there '/' is escaped too and a
/// space is `%20`.
enum OTPAuthURI {
    static func make(issuer: String, username: String, secret: String) -> String {
        "otpauth://totp/\(quote(issuer)):\(quote(username))?secret=\(quote(secret, keepSlash: false))&issuer=\(quote(issuer, keepSlash: false))"
    }

    /// RFC 3986 unreserved characters (and '/' when `keepSlash`) stay; every other UTF-8 byte
    /// becomes %XX.
    static func quote(_ text: String, keepSlash: Bool = true) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out.append("%")
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
        return out
    }
}
