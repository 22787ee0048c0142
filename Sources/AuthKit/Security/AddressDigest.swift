import CryptoCore

/// The key an email address is rate-limited under: a keyed digest of the lower-cased address
/// and the scope, so the throttle table holds neither addresses nor a hash anyone could
/// recompute from a list of them.
struct AddressDigest: Sendable {
    private let key: [UInt8]

    init(secretKey: String) {
        key = Digest.hash(.sha256, Array(("authkit.throttle.address" + secretKey).utf8))
    }

    func digest(_ address: String, scope: ThrottleScope) -> String {
        let message = Array((scope.rawValue + ":" + address.lowercased()).utf8)
        return Hex.encode(HMAC.authenticate(.sha256, key: key, message: message))
    }
}
