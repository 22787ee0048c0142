import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's CSPRNG (`RAND_bytes`).
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        // RAND_bytes only fails when the CSPRNG cannot be seeded; continuing would hand out
        // predictable secrets, so this is the one place where stopping the process is right.
        precondition(ok == 1, "RAND_bytes failed: \(drainErrorQueue())")
        return out
    }

    /// A uniformly distributed integer in `0..<upperBound`, by rejection sampling
    /// (no modulo bias).
    public static func uniform(_ upperBound: UInt32) -> UInt32 {
        precondition(upperBound > 0)
        let limit = UInt32.max - (UInt32.max % upperBound)
        while true {
            let b = bytes(4)
            let value = UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
            if value < limit { return value % upperBound }
        }
    }

    /// `count` characters drawn uniformly from `alphabet`.
    public static func string(count: Int, alphabet: [Character]) -> String {
        var s = ""
        s.reserveCapacity(count)
        for _ in 0..<count { s.append(alphabet[Int(uniform(UInt32(alphabet.count)))]) }
        return s
    }
}
