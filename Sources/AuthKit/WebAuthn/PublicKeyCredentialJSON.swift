import CryptoCore

/// A `PublicKeyCredential.toJSON()` document as browsers post it (base64url without padding),
/// read with the bounds below. The reference accepts it as an object or as a JSON string.
struct PublicKeyCredentialJSON {
    /// A registration with a 16 KiB attestationObject is ~22 KiB of JSON.
    static let maximumSize = 64 * 1024

    let rawID: [UInt8]
    let response: JSONObject

    /// The credential a client sent as an object or as its JSON text (the reference takes
    /// both); nil for text that is not JSON. Other values are returned as they are, for the
    /// ceremony to refuse.
    static func document(_ value: JSONValue) -> JSONValue? {
        guard case .string(let text) = value else { return value }
        return parse(text)
    }

    /// JSON text read with the bounds of a credential; nil when it is not JSON or too large.
    static func parse(_ text: String) -> JSONValue? {
        let bytes = Array(text.utf8)
        guard bytes.count <= maximumSize else { return nil }
        return try? JSONParser.parse(bytes, maximumMembers: 256)
    }

    init(bytes: [UInt8]) throws(WebAuthnError) {
        guard bytes.count <= Self.maximumSize else { throw .tooLarge("credential") }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, maximumMembers: 256) } catch {
            throw .malformedCredential(error.message)
        }
        try self.init(value)
    }

    init(_ value: JSONValue) throws(WebAuthnError) {
        guard case .object(let object) = value else { throw .malformedCredential("not an object") }
        guard case .string(let id)? = object["id"] else { throw .malformedCredential("missing id") }
        let rawID = try Self.bytes(object["rawId"], "rawId", limit: 4 * 1024)
        // py_webauthn: "id and raw_id were not equivalent", "Unexpected credential type".
        guard Base64.decode(id, urlSafe: true) == rawID else { throw .malformedCredential("id and rawId differ") }
        guard case .string("public-key")? = object["type"] else { throw .malformedCredential("type is not public-key") }
        guard case .object(let response)? = object["response"] else { throw .malformedCredential("missing response") }
        self.rawID = rawID
        self.response = response
    }

    /// A required base64url field of `response`.
    func field(_ name: String, limit: Int) throws(WebAuthnError) -> [UInt8] {
        try Self.bytes(response[name], name, limit: limit)
    }

    static func bytes(_ value: JSONValue?, _ name: String, limit: Int) throws(WebAuthnError) -> [UInt8] {
        guard case .string(let text)? = value else { throw .malformedCredential("missing \(name)") }
        // Four characters carry three bytes: refuse before decoding anything huge.
        guard text.utf8.count <= (limit + 2) / 3 * 4 else { throw .tooLarge(name) }
        guard let bytes = Base64.decode(text, urlSafe: true) else {
            throw .malformedCredential("\(name) is not base64url")
        }
        return bytes
    }
}
