import CryptoCore

/// The token of an email sign-in link, in the reference's shape `<pk>-<base36 seconds>-<40 hex>`.
/// The MAC covers the user's `passwordless_epoch` and last login: using a token increments the
/// epoch (one atomic UPDATE), so it works once, and any sign-in voids every outstanding token.
struct LoginLinkToken: Sendable {
    private let key: [UInt8]
    let expiry: Int64

    init(secretKey: String, expiry: Int64) {
        key = HMAC.authenticate(.sha256, key: Array(secretKey.utf8), message: Array("authkit.login-link.v1".utf8))
        self.expiry = expiry
    }

    /// What a token is signed over.
    struct Subject: Sendable {
        let userID: Int64
        let epoch: Int64
        let lastLoginMicros: Int64?
        let email: String
    }

    func make(for subject: Subject, issuedAt: Int64) -> String {
        "\(subject.userID)-\(String(issuedAt, radix: 36))-\(mac(subject, issuedAt: issuedAt))"
    }

    /// The user id and issue time a token claims; nil when it is not of the shape.
    static func parse(_ token: String) -> (userID: Int64, issuedAt: Int64, mac: Substring)? {
        let parts = token.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].utf8.count <= 18, let id = Int64(parts[0]), id > 0,
              parts[1].utf8.count <= 13, let issuedAt = Int64(parts[1], radix: 36), issuedAt >= 0,
              parts[2].utf8.count == 40 else { return nil }
        return (id, issuedAt, parts[2])
    }

    func isValid(_ token: String, for subject: Subject, now: Int64) -> Bool {
        guard let parsed = Self.parse(token), parsed.userID == subject.userID,
              parsed.issuedAt <= now, now - parsed.issuedAt <= expiry else { return false }
        return ConstantTime.equals(Array(parsed.mac.utf8), Array(mac(subject, issuedAt: parsed.issuedAt).utf8))
    }

    private func mac(_ subject: Subject, issuedAt: Int64) -> String {
        let message = "\(subject.userID):\(issuedAt):\(subject.epoch):\(subject.lastLoginMicros ?? -1):"
            + subject.email.lowercased()
        return Hex.encode(HMAC.authenticate(.sha256, key: key, message: Array(message.utf8)).prefix(20))
    }
}
