import CryptoCore

/// HS256 JSON Web Tokens exactly as djangorestframework-simplejwt 5.5 (PyJWT) writes them:
/// header `{"alg":"HS256","typ":"JWT"}`, compact claims in the order token_type, exp, iat,
/// jti, user_id, URL-safe base64 without padding.
public struct JWT: Sendable {
    public enum TokenType: String, Sendable { case access, refresh }

    public struct Claims: Sendable, Equatable {
        public var tokenType: TokenType?
        public var exp: Int64
        public var iat: Int64
        public var jti: String?
        /// simplejwt writes the user's pk as a string; an integer is accepted too.
        public var userID: String?

        /// When the session's user last proved who they are (a full login), unix seconds: an
        /// OpenID Connect-style claim simplejwt ignores, carried from the login through every
        /// refresh; nil in tokens made elsewhere.
        public var authTime: Int64?

        public init(tokenType: TokenType?, exp: Int64, iat: Int64, jti: String?, userID: String?) {
            self.tokenType = tokenType
            self.exp = exp
            self.iat = iat
            self.jti = jti
            self.userID = userID
        }
    }

    /// Why a token was refused, with simplejwt's message.
    public enum Failure: Error, Equatable, Sendable {
        case invalid, expired, wrongType, noType, noID

        public var message: String {
            switch self {
            case .invalid: return "Token is invalid"
            case .expired: return "Token is expired"
            case .wrongType: return "Token has wrong type"
            case .noType: return "Token has no type"
            case .noID: return "Token has no id"
            }
        }
    }

    private let key: [UInt8]
    private static let header = Base64.encodeURL(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))

    public init(secretKey: String) {
        key = Array(secretKey.utf8)
    }

    public func sign(_ claims: Claims) -> String {
        var object = JSONObject()
        if let type = claims.tokenType { object.append("token_type", .string(type.rawValue)) }
        object.append("exp", .number(JSONNumber(literal: String(claims.exp))))
        object.append("iat", .number(JSONNumber(literal: String(claims.iat))))
        if let jti = claims.jti { object.append("jti", .string(jti)) }
        if let user = claims.userID { object.append("user_id", .string(user)) }
        if let authTime = claims.authTime { object.append("auth_time", .number(JSONNumber(literal: String(authTime)))) }
        let signingInput = Self.header + "." + Base64.encodeURL(JSONWriter.encode(.object(object)))
        return signingInput + "." + Base64.encodeURL(HMAC.authenticate(.sha256, key: key, message: Array(signingInput.utf8)))
    }

    /// Verifies signature, expiry (no leeway) and, when `expected` is given, the token type —
    /// in simplejwt's order, so the first failure names the same message.
    public func verify(_ token: String, expected: TokenType?, now: Int64) throws(Failure) -> Claims {
        // Split at the two dots as bytes (as PyJWT does): a Character-wise split of a 200-byte
        // token cost more than the rest of authentication together.
        let utf8 = token.utf8
        let dot = UInt8(ascii: ".")
        guard let firstDot = utf8.firstIndex(of: dot) else { throw .invalid }
        let payloadStart = utf8.index(after: firstDot)
        guard let secondDot = utf8[payloadStart...].firstIndex(of: dot) else { throw .invalid }
        let signatureStart = utf8.index(after: secondDot)
        guard !utf8[signatureStart...].contains(dot) else { throw .invalid }
        let headerPart = token[..<firstDot]
        guard headerPart == Self.header || Self.isHS256Header(headerPart),
              let signature = Base64.decode(token[signatureStart...], urlSafe: true),
              let payloadBytes = Base64.decode(token[payloadStart..<secondDot], urlSafe: true)
        else { throw .invalid }
        let signingInput = Array(utf8[..<secondDot])
        guard ConstantTime.equals(HMAC.authenticate(.sha256, key: key, message: signingInput), signature) else { throw .invalid }
        guard case .object(let payload)? = try? JSONParser.parse(payloadBytes) else { throw .invalid }
        // PyJWT: exp and iat must be numbers; exp in the past is expired, iat in the future invalid.
        guard let exp = Self.integer(payload["exp"]) else { throw .invalid }
        var iat: Int64 = 0
        if let value = payload["iat"] {
            guard let i = Self.integer(value) else { throw .invalid }
            iat = i
            if i > now { throw .invalid }
        }
        if exp <= now { throw .expired }
        guard let jtiValue = payload["jti"] else { throw .noID }
        // simplejwt's UntypedToken (token/verify/) does not look at the type at all.
        var type: TokenType?
        if case .string(let t)? = payload["token_type"] { type = TokenType(rawValue: t) }
        if let expected {
            guard payload["token_type"] != nil else { throw .noType }
            if type != expected { throw .wrongType }
        }
        var userID: String?
        switch payload["user_id"] {
        case .string(let s)?: userID = s
        case .number(let n)? where n.isInteger: userID = n.pythonString
        default: userID = nil
        }
        var jti: String?
        if case .string(let s) = jtiValue { jti = s }
        var claims = Claims(tokenType: type, exp: exp, iat: iat, jti: jti, userID: userID)
        claims.authTime = Self.integer(payload["auth_time"])
        return claims
    }

    /// A header other than simplejwt's own byte string (another issuer's key order, extra fields).
    private static func isHS256Header(_ segment: Substring) -> Bool {
        guard let bytes = Base64.decode(segment, urlSafe: true), case .object(let header)? = try? JSONParser.parse(bytes) else { return false }
        return header["alg"] == .string("HS256")
    }

    private static func integer(_ value: JSONValue?) -> Int64? {
        guard case .number(let n)? = value else { return nil }
        if let i = Int64(n.literal) { return i }
        guard let d = Double(n.literal), d.isFinite, abs(d) < 9e18 else { return nil }
        return Int64(d.rounded(.down))
    }
}
