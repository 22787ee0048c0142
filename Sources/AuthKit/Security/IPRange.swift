#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address or CIDR range (`10.0.0.0/8`, `::1`), for AUTHKIT_METRICS_ALLOWED_IPS.
public struct IPRange: Sendable, Equatable {
    let bytes: [UInt8]
    let prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let address = IPRange.parse(String(parts[0])) else { return nil }
        bytes = address
        if parts.count == 2 {
            guard let p = Int(parts[1]), p >= 0, p <= address.count * 8 else { return nil }
            prefix = p
        } else {
            prefix = address.count * 8
        }
    }

    public func contains(_ address: String) -> Bool {
        guard let other = IPRange.parse(address), other.count == bytes.count else { return false }
        var bits = prefix
        for i in 0..<bytes.count where bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xFF : UInt8(0xFF << (8 - bits))
            if bytes[i] & mask != other[i] & mask { return false }
            bits -= 8
        }
        return true
    }

    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
