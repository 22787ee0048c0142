import CryptoCore
import PasswordHashes

/// A hash of Django's `Argon2PasswordHasher`: `argon2` followed by argon2's standard encoding,
/// `argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>` (Django 5.2), `argon2$argon2i$v=19$...`
/// (Django before 3.2) and `argon2$argon2i$m=512,t=2,p=2$...` (Django 1.10: version 0x10,
/// no `v=`). Salt and hash are standard base64 without padding.
struct DjangoArgon2Hash {
    let variant: Argon2.Variant
    let version: Int
    let memoryKiB: Int
    let iterations: Int
    let lanes: Int
    let salt: [UInt8]
    let hash: [UInt8]

    /// nil for anything not in that shape; parameter ranges are `Argon2`'s to refuse.
    init?(_ encoded: String) {
        var parts = encoded.split(separator: "$", omittingEmptySubsequences: false)[...]
        guard parts.popFirst() == "argon2", let name = parts.popFirst() else { return nil }
        switch name {
        case "argon2id": variant = .id
        case "argon2i": variant = .i
        case "argon2d": variant = .d
        default: return nil
        }
        if let field = parts.first, field.hasPrefix("v=") {
            guard let v = Self.decimal(field.dropFirst(2)) else { return nil }
            version = v
            parts.removeFirst()
        } else {
            version = 0x10
        }
        guard parts.count == 3 else { return nil }
        let costs = parts[parts.startIndex].split(separator: ",", omittingEmptySubsequences: false)
        guard costs.count == 3, costs[0].hasPrefix("m="), costs[1].hasPrefix("t="), costs[2].hasPrefix("p="),
              let m = Self.decimal(costs[0].dropFirst(2)), let t = Self.decimal(costs[1].dropFirst(2)),
              let p = Self.decimal(costs[2].dropFirst(2)),
              let salt = Self.base64(parts[parts.startIndex + 1]), let hash = Self.base64(parts[parts.startIndex + 2])
        else { return nil }
        (memoryKiB, iterations, lanes, self.salt, self.hash) = (m, t, p, salt, hash)
    }

    /// One Argon2 computation, compared in constant time; parameters beyond `Argon2`'s caps
    /// are refused before any memory is taken.
    func matches(_ password: String) -> Bool {
        guard let computed = try? Argon2.hash(
            variant, version: version, memoryKiB: memoryKiB, iterations: iterations, lanes: lanes,
            password: Array(password.utf8), salt: salt, outputLength: hash.count)
        else { return false }
        return ConstantTime.equals(computed, hash)
    }

    /// 1 to 10 ASCII digits (argon2's numbers are 32-bit): no sign, no spaces, no overflow.
    static func decimal(_ text: Substring) -> Int? {
        let digits = text.utf8
        guard (1...10).contains(digits.count), digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(text)
    }

    /// Standard base64 without padding, as argon2 writes it; at most 128 characters.
    static func base64(_ text: Substring) -> [UInt8]? {
        guard (1...128).contains(text.utf8.count), !text.utf8.contains(UInt8(ascii: "=")) else { return nil }
        return Base64.decode(text, urlSafe: false)
    }
}
