import CryptoCore

/// E-mail confirmation keys, made as allauth makes them with its default
/// `ACCOUNT_EMAIL_CONFIRMATION_HMAC = True` (docs/contract/account.md §8): Django's
/// `signing.dumps(id, salt="account")`, so nothing is stored and a key signed by a Django site
/// sharing the secret key checks here (and the reverse).
///
/// Shape `<payload>:<timestamp>:<signature>`: the payload is unpadded base64url of the id's
/// JSON (`1` → `MQ`), the timestamp Unix seconds in base62, the signature unpadded base64url of
/// HMAC-SHA256 over `payload:timestamp` keyed with `SHA256("account" + "signer" + SECRET_KEY)`
/// (Django's `salted_hmac`). One difference: the id is the user's, since this service keeps an
/// account's single address in the users table (allauth signs its address record's id).
public struct EmailConfirmationKey: Sendable {
    let key: [UInt8]
    /// Seconds a key is accepted (`ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS` days).
    let maxAge: Int64

    public init(secretKey: String, expireDays: Int64) {
        key = Digest.hash(.sha256, Array(("account" + "signer" + secretKey).utf8))
        maxAge = expireDays * 86_400
    }

    /// The key for user `id`, dated `now`.
    public func make(id: Int64, now: UnixTime) -> String {
        let value = Base64.encodeURL(Array(String(id).utf8)) + ":" + Self.base62(now.seconds)
        return value + ":" + signature(value)
    }

    /// The user id a key was made for, when its signature is right and it is at most `maxAge`
    /// seconds old (Django's `age > max_age` refusal); nil otherwise. A key still percent-encoded
    /// as the mail's link carries it (`%3A`) is accepted too, as on the reference.
    public func userID(from key: String, now: UnixTime) -> Int64? {
        let key = key.contains("%") ? FormURLEncoded.decode(ArraySlice(key.utf8)) : key
        guard let split = key.lastIndex(of: ":") else { return nil }
        let value = String(key[..<split])
        let given = Array(key[key.index(after: split)...].utf8)
        guard ConstantTime.equals(Array(signature(value).utf8), given) else { return nil }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let timestamp = Self.base62(parts[1]), now.seconds - timestamp <= maxAge,
              let json = Base64.decode(parts[0], urlSafe: true),
              case .number(let number)? = try? JSONParser.parse(json), let id = Int64(number.pythonString) else {
            return nil
        }
        return id
    }

    func signature(_ value: String) -> String {
        Base64.encodeURL(HMAC.authenticate(.sha256, key: key, message: Array(value.utf8)))
    }

    private static let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    /// Django's `b62_encode`.
    static func base62(_ n: Int64) -> String {
        if n == 0 { return "0" }
        var rest = n.magnitude, out: [Character] = []
        while rest > 0 {
            out.append(digits[Int(rest % 62)])
            rest /= 62
        }
        return (n < 0 ? "-" : "") + String(out.reversed())
    }

    /// Django's `b62_decode`; nil for text that is not base62 or does not fit.
    static func base62(_ text: Substring) -> Int64? {
        let negative = text.hasPrefix("-")
        let body = negative ? text.dropFirst() : text
        guard !body.isEmpty, body.count <= 11 else { return nil }
        var n: Int64 = 0
        for c in body {
            guard let d = digits.firstIndex(of: c) else { return nil }
            let (times, o1) = n.multipliedReportingOverflow(by: 62)
            let (sum, o2) = times.addingReportingOverflow(Int64(d))
            if o1 || o2 { return nil }
            n = sum
        }
        return negative ? -n : n
    }
}
