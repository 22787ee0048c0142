import CArgon2

/// Argon2 (RFC 9106) through Debian's libargon2, for password hashes made elsewhere (Django's
/// `Argon2PasswordHasher`). Parameters come from stored hashes, so they are capped: a corrupt
/// `m=4294967295` must be refused at once, not allocate 4 TiB.
public enum Argon2 {
    public enum Variant: Sendable {
        case d, i, id

        var type: argon2_type {
            switch self {
            case .d: return Argon2_d
            case .i: return Argon2_i
            case .id: return Argon2_id
            }
        }
    }

    /// 1 GiB of memory: ten times Django 5.2's default (`m=102400`, 100 MiB).
    public static let maximumMemoryKiB = 1 << 20
    /// Django's default is 2 passes.
    public static let maximumIterations = 20
    /// Django's default is 8 lanes; they run one after another here (see the shim).
    public static let maximumLanes = 64
    /// Longer salts and outputs than any hasher makes (Django: 22-character salt, 32-byte hash).
    public static let maximumSaltLength = 64
    public static let maximumOutputLength = 64

    /// The raw hash of `password`; `version` is 0x10 or 0x13. Costs `memoryKiB` KiB and
    /// `iterations` passes over it on the calling thread.
    public static func hash(
        _ variant: Variant, version: Int, memoryKiB: Int, iterations: Int, lanes: Int,
        password: [UInt8], salt: [UInt8], outputLength: Int
    ) throws(PasswordHashError) -> [UInt8] {
        guard version == 0x10 || version == 0x13 else { throw refused("version \(version)") }
        guard (1...maximumIterations).contains(iterations) else { throw refused("t=\(iterations)") }
        guard (1...maximumLanes).contains(lanes) else { throw refused("p=\(lanes)") }
        // libargon2's own floor: 8 KiB per lane.
        guard (8 * lanes...maximumMemoryKiB).contains(memoryKiB) else { throw refused("m=\(memoryKiB)") }
        guard (8...maximumSaltLength).contains(salt.count) else { throw refused("salt of \(salt.count) bytes") }
        guard (4...maximumOutputLength).contains(outputLength) else { throw refused("\(outputLength)-byte output") }
        var out = [UInt8](repeating: 0, count: outputLength)
        let status = password.withUnsafeBufferPointer { p in
            salt.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    authkit_argon2_hash(
                        variant.type, UInt32(version), UInt32(iterations), UInt32(memoryKiB), UInt32(lanes),
                        p.baseAddress, p.count, s.baseAddress, s.count, o.baseAddress, o.count)
                }
            }
        }
        try check(status, "argon2")
        return out
    }

    private static func refused(_ what: String) -> PasswordHashError {
        PasswordHashError(operation: "argon2", reason: "\(what) out of range")
    }
}
