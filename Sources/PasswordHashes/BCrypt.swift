import CLibCrypt

/// bcrypt through the system's libcrypt (libxcrypt), for password hashes made elsewhere (Django's
/// `BCryptSHA256PasswordHasher` and `BCryptPasswordHasher`). Only bcrypt settings are passed on:
/// libcrypt would otherwise also run DES, MD5 crypt and others chosen by a stored string.
public enum BCrypt {
    /// 2^16 rounds, 16 times Django's default cost 12 (about 4 s here); the format allows 31
    /// (days of work), which a corrupt stored hash must not start.
    public static let maximumCost = 16

    /// `crypt(password, setting)` for a bcrypt setting `$2b$12$<22 salt characters>` (also `$2a$`,
    /// `$2y$`): the complete 60-character hash. bcrypt reads at most 72 bytes of the password;
    /// a password containing a NUL byte is refused, as C strings cannot carry it.
    public static func hash(_ password: [UInt8], setting: String) throws(PasswordHashError) -> String {
        let bytes = Array(setting.utf8)
        guard bytes.count == 29, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
              [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]),
              bytes[3] == UInt8(ascii: "$"), bytes[6] == UInt8(ascii: "$"),
              let cost = twoDigits(bytes[4], bytes[5]), (4...maximumCost).contains(cost),
              bytes[7...].allSatisfy(isSaltCharacter)
        else { throw PasswordHashError(operation: "bcrypt", reason: "setting not a bcrypt one within the cost cap") }
        guard !password.contains(0) else { throw PasswordHashError(operation: "bcrypt", reason: "password with NUL") }
        let scratch = Scratch()
        let phrase = password.map { CChar(bitPattern: $0) } + [0]
        let settingString = bytes.map { CChar(bitPattern: $0) } + [0]
        return try withExtendedLifetime(scratch) { () throws(PasswordHashError) -> String in
            guard let result = crypt_rn(phrase, settingString, scratch.pointer, Int32(scratch.size)) else {
                throw PasswordHashError(operation: "crypt_rn", reason: "libcrypt refused the setting")
            }
            return String(cString: result)
        }
    }

    /// crypt_rn's working area (`struct crypt_data`, 32 KiB): zeroed before use as libcrypt asks,
    /// and again before release since it held the password.
    private final class Scratch {
        let size = MemoryLayout<crypt_data>.size
        let pointer: UnsafeMutableRawPointer

        init() {
            pointer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<crypt_data>.alignment)
            pointer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        }

        deinit {
            pointer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            pointer.deallocate()
        }
    }

    private static func twoDigits(_ a: UInt8, _ b: UInt8) -> Int? {
        let zero = UInt8(ascii: "0"), nine = UInt8(ascii: "9")
        guard (zero...nine).contains(a), (zero...nine).contains(b) else { return nil }
        return Int(a - zero) * 10 + Int(b - zero)
    }

    /// bcrypt's own base64 alphabet: `./A-Za-z0-9`.
    public static func isSaltCharacter(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return false
        }
    }
}
