/// The COSE algorithms WebAuthn credentials here may use (IANA COSE registry values).
public enum COSEAlgorithm: Int, Sendable, CaseIterable {
    case es256 = -7
    case eddsa = -8
    case rs256 = -257
}

/// A credential public key in COSE_Key form (RFC 9052 §7, WebAuthn §6.5.1.1), checked for the
/// parameters its algorithm requires and reduced to the raw form libfido2's `*_pk_from_ptr` take.
public struct COSEKey: Sendable {
    /// An RSA-2048 key is ~270 bytes; nothing legitimate comes near this.
    public static let maximumSize = 1024

    public let algorithm: COSEAlgorithm
    /// ES256: x‖y (64 bytes); EdDSA: the 32-byte Ed25519 key; RS256: n (256 bytes)‖e (3 bytes).
    let raw: [UInt8]

    /// Parses a whole COSE key (as stored with a credential).
    public init(_ bytes: [UInt8]) throws(FIDOError) {
        guard bytes.count <= Self.maximumSize else { throw Self.malformed("larger than \(Self.maximumSize) bytes") }
        try self.init(value: CBOR.decode(bytes))
    }

    public init(value: CBORValue) throws(FIDOError) {
        guard value.pairs != nil else { throw Self.malformed("not a map") }
        guard let alg = value[3]?.integer else { throw Self.malformed("no alg") }
        guard let algorithm = COSEAlgorithm(rawValue: alg) else {
            throw FIDOError(.unsupported, "COSE key", "algorithm \(alg)")
        }
        let kty = value[1]?.integer
        switch algorithm {
        case .es256:
            // kty EC2 (2), crv P-256 (1), 32-byte coordinates.
            guard kty == 2, value[-1]?.integer == 1 else { throw Self.malformed("ES256 needs kty 2 and crv 1") }
            guard let x = value[-2]?.byteString, let y = value[-3]?.byteString, x.count == 32, y.count == 32 else {
                throw Self.malformed("ES256 needs 32-byte x and y")
            }
            raw = x + y
        case .eddsa:
            // kty OKP (1), crv Ed25519 (6).
            guard kty == 1, value[-1]?.integer == 6 else { throw Self.malformed("EdDSA needs kty 1 and crv 6") }
            guard let x = value[-2]?.byteString, x.count == 32 else { throw Self.malformed("EdDSA needs a 32-byte x") }
            raw = x
        case .rs256:
            // kty RSA (3); libfido2 takes RSA-2048 with an exponent of at most 3 bytes.
            guard kty == 3 else { throw Self.malformed("RS256 needs kty 3") }
            guard var n = value[-1]?.byteString, let e = value[-2]?.byteString else {
                throw Self.malformed("RS256 needs n and e")
            }
            if n.count == 257, n.first == 0 { n.removeFirst() }
            guard n.count == 256 else { throw FIDOError(.unsupported, "COSE key", "RSA modulus of \(n.count) bytes") }
            guard (1...3).contains(e.count) else { throw Self.malformed("RSA exponent of \(e.count) bytes") }
            raw = n + [UInt8](repeating: 0, count: 3 - e.count) + e
        }
        self.algorithm = algorithm
    }

    private static func malformed(_ reason: String) -> FIDOError { FIDOError(.malformed, "COSE key", reason) }
}
