import CryptoCore
import PasswordHashes

/// A hash of Django's `BCryptSHA256PasswordHasher`, `bcrypt_sha256$$2b$12$<22-character salt><31-character
/// hash>`, whose bcrypt input is the lowercase hex SHA-256 of the password (so passwords longer than
/// bcrypt's 72 bytes count whole), or of its `BCryptPasswordHasher`, `bcrypt$$2b$12$...`, which
/// bcrypts the password itself.
struct DjangoBCryptHash {
    let prehashed: Bool
    /// The bcrypt part, `$2b$12$` and 53 characters, as crypt(3) returns it.
    let stored: String

    init?(_ encoded: String) {
        guard let dollar = encoded.firstIndex(of: "$") else { return nil }
        switch encoded[..<dollar] {
        case "bcrypt_sha256": prehashed = true
        case "bcrypt": prehashed = false
        default: return nil
        }
        let bcrypt = encoded[encoded.index(after: dollar)...]
        // `$2b$12$` + 22 salt + 31 hash characters; BCrypt checks the setting part itself.
        guard bcrypt.utf8.count == 60, bcrypt.utf8.dropFirst(7).allSatisfy(BCrypt.isSaltCharacter) else { return nil }
        stored = String(bcrypt)
    }

    /// One bcrypt computation (Django compares the whole encoded string, so does this), in constant time.
    func matches(_ password: String) -> Bool {
        let bytes = Array(password.utf8)
        let input = prehashed ? Array(Hex.encode(Digest.hash(.sha256, bytes)).utf8) : bytes
        guard let computed = try? BCrypt.hash(input, setting: String(stored.prefix(29))) else { return false }
        return ConstantTime.equals(Array(computed.utf8), Array(stored.utf8))
    }
}
