import CryptoCore

/// The parts of clientDataJSON (W3C WebAuthn §5.8.1) a relying party checks. The signature
/// covers SHA-256 of the exact bytes the browser sent, so those are kept as they are.
struct ClientData {
    /// Real ones are ~150–300 bytes; browsers may add keys, never kilobytes.
    static let maximumSize = 4 * 1024

    let bytes: [UInt8]
    let type: String
    let challenge: [UInt8]
    let origin: String

    var hash: [UInt8] { Digest.hash(.sha256, bytes) }

    init(_ bytes: [UInt8]) throws(WebAuthnError) {
        guard bytes.count <= Self.maximumSize else { throw .tooLarge("clientDataJSON") }
        let document: JSONValue
        do { document = try JSONParser.parse(bytes, maximumMembers: 64) } catch {
            throw .malformedClientData(error.message)
        }
        guard case .object(let object) = document else { throw .malformedClientData("not an object") }
        guard case .string(let type)? = object["type"] else { throw .malformedClientData("no type") }
        guard case .string(let challenge)? = object["challenge"] else { throw .malformedClientData("no challenge") }
        guard case .string(let origin)? = object["origin"] else { throw .malformedClientData("no origin") }
        guard let decoded = Base64.decode(challenge, urlSafe: true) else {
            throw .malformedClientData("challenge is not base64url")
        }
        self.bytes = bytes
        self.type = type
        self.challenge = decoded
        self.origin = origin
    }

    /// §7.1 steps 7–9 / §7.2 steps 11–13.
    func check(type expected: String, challenge expectedChallenge: [UInt8], origins: [String]) throws(WebAuthnError) {
        guard type == expected else { throw .unexpectedType(expected: expected, received: type) }
        guard ConstantTime.equals(challenge, expectedChallenge) else { throw .challengeMismatch }
        guard origins.contains(origin) else { throw .originMismatch(origin) }
    }
}
