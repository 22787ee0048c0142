import CryptoCore

/// TOTP secrets at rest: AES-256-GCM with a random nonce, the key id stored beside the
/// ciphertext (`enc:v1:<key id>:<base64 nonce+ciphertext+tag>`) and the row's identity as
/// associated data, so a ciphertext copied to another user's row does not decrypt.
/// Values without the prefix are legacy plaintext, still readable until `authkit secrets rotate`.
public struct SecretBox: Sendable {
    public let keys: [EncryptionKey]
    static let prefix = "enc:v1:"

    public init(keys: [EncryptionKey]) { self.keys = keys }

    /// The key used when AUTHKIT_SECRET_ENCRYPTION_KEYS is unset: HMAC-SHA256 of a label under SECRET_KEY.
    public static func derivedKey(_ secretKey: String) -> [UInt8] {
        HMAC.authenticate(.sha256, key: Array(secretKey.utf8), message: Array("authkit.secret-encryption.v1".utf8))
    }

    static func context(userID: Int64, method: String) -> [UInt8] {
        Array("mfa_methods.secret:\(userID):\(method)".utf8)
    }

    public func seal(_ secret: String, userID: Int64, method: String) throws -> String {
        guard let key = keys.first else { return secret }
        let sealed = try AESGCM.seal(Array(secret.utf8), key: key.bytes,
                                     associatedData: Self.context(userID: userID, method: method))
        return Self.prefix + key.id + ":" + Base64.encode(sealed.nonce + sealed.ciphertext + sealed.tag)
    }

    public enum OpenError: Error { case unknownKey(String), corrupt }

    public func open(_ stored: String, userID: Int64, method: String) throws -> String {
        guard stored.hasPrefix(Self.prefix) else { return stored }
        let rest = stored.dropFirst(Self.prefix.count)
        guard let colon = rest.firstIndex(of: ":") else { throw OpenError.corrupt }
        let id = String(rest[..<colon])
        guard let key = keys.first(where: { $0.id == id }) else { throw OpenError.unknownKey(id) }
        guard let blob = Base64.decode(rest[rest.index(after: colon)...], urlSafe: false),
              blob.count > AESGCM.nonceSize + AESGCM.tagSize else { throw OpenError.corrupt }
        let sealed = AESGCM.Sealed(nonce: Array(blob.prefix(AESGCM.nonceSize)),
                                   ciphertext: Array(blob.dropFirst(AESGCM.nonceSize).dropLast(AESGCM.tagSize)),
                                   tag: Array(blob.suffix(AESGCM.tagSize)))
        guard let plain = try AESGCM.open(sealed, key: key.bytes,
                                          associatedData: Self.context(userID: userID, method: method)) else {
            throw OpenError.corrupt
        }
        return String(decoding: plain, as: UTF8.self)
    }

    /// True when `stored` is encrypted with the newest key (nothing to rotate).
    public func isCurrent(_ stored: String) -> Bool {
        guard let key = keys.first else { return true }
        return stored.hasPrefix(Self.prefix + key.id + ":")
    }
}
