/// The OpenAPI 3.1 description of this instance's API, served at AUTHKIT_SCHEMA_PATH.
///
/// Hand-kept in `openapi.json` (paths relative to the base path, the method enum, version and
/// cookie name as placeholders) and completed from the settings at start-up: the passkey and
/// passwordless paths, and the shapes only they use, are left out where not served. A test compares
/// its paths and verbs with the route table both ways, and the end-to-end run validates real
/// responses against it.
public struct OpenAPIDocument: Sendable {
    public let document: JSONValue
    /// Rendered once: the document never changes while the process runs.
    public let json: [UInt8]
    public let yaml: [UInt8]

    public init(settings: Settings) {
        var text = String(decoding: PackageResources.openapi_json, as: UTF8.self)
        let methods = settings.mfa.handlers.map { "\"\($0)\"" }.joined(separator: ",")
        text = text.replacingOccurrences("\"@METHODS@\"", with: methods)
        text = text.replacingOccurrences("@VERSION@", with: Version.string)
        text = text.replacingOccurrences("@ACCESS_COOKIE@", with: settings.cookies.accessName)
        // The file is part of the binary and checked by tests: it always parses.
        guard case .object(var root)? = try? JSONParser.parse(Array(text.utf8)), case .object(let paths)? = root["paths"] else {
            preconditionFailure("openapi.json is not a valid document")
        }
        var absolute = JSONObject()
        for (path, item) in paths.entries where Self.serves(path, settings) {
            absolute.append(settings.server.basePath + path, item)
        }
        root["paths"] = .object(absolute)
        // Without the webauthn method, no setup_data or challenge is a passkey one.
        if !settings.mfa.handlers.contains(WebAuthnHandler.methodName) {
            root = Self.dropping(alternatives: Self.passkeyMethodShapes, from: root)
        }
        root = Self.withoutUnusedSchemas(root)
        document = .object(root)
        json = JSONWriter.encode(document)
        yaml = YAMLWriter.encode(document)
    }

    /// Whether this instance serves `path` (relative to the base path): the passkey and
    /// passwordless routes exist only as configured (`Routes.passkeyRoutes`,
    /// `Routes.passwordlessRoutes`).
    static func serves(_ path: String, _ settings: Settings) -> Bool {
        if path.hasPrefix("webauthn/") { return settings.mfa.handlers.contains(WebAuthnHandler.methodName) }
        if path.hasPrefix("passwordless/webauthn/") { return settings.passwordless.serves(.webauthn) }
        if path.hasPrefix("passwordless/email/") { return settings.passwordless.serves(.email) }
        return true
    }

    /// The `oneOf` alternatives only the webauthn MFA method answers.
    static let passkeyMethodShapes: Set<String> = ["#/components/schemas/WebAuthnMFASetup",
                                                   "#/components/schemas/WebAuthnRequestOptions"]

    /// `object` with every `oneOf` alternative that is a `$ref` in `refs` removed.
    static func dropping(alternatives refs: Set<String>, from object: JSONObject) -> JSONObject {
        func isDropped(_ value: JSONValue) -> Bool {
            guard case .object(let o) = value, case .string(let ref)? = o["$ref"] else { return false }
            return refs.contains(ref)
        }
        func walk(_ value: JSONValue) -> JSONValue {
            switch value {
            case .object(let o): return .object(dropping(alternatives: refs, from: o))
            case .array(let a): return .array(a.map(walk))
            default: return value
            }
        }
        var result = JSONObject()
        for entry in object.entries {
            if entry.key == "oneOf", case .array(let options) = entry.value {
                result.append(entry.key, .array(options.filter { !isDropped($0) }.map(walk)))
            } else {
                result.append(entry.key, walk(entry.value))
            }
        }
        return result
    }

    /// `root` without the component schemas that nothing in its paths or response components
    /// refers to, directly or through other schemas (the passkey shapes where none is served).
    static func withoutUnusedSchemas(_ root: JSONObject) -> JSONObject {
        guard case .object(var components)? = root["components"], case .object(let schemas)? = components["schemas"] else {
            return root
        }
        let prefix = "#/components/schemas/"
        var used = Set<String>()
        var pending: [JSONValue] = [root["paths"] ?? .null, components["responses"] ?? .null]
        while let next = pending.popLast() {
            switch next {
            case .object(let o):
                if case .string(let ref)? = o["$ref"], ref.hasPrefix(prefix) {
                    let name = String(ref.dropFirst(prefix.count))
                    if used.insert(name).inserted, let schema = schemas[name] { pending.append(schema) }
                }
                pending += o.entries.map(\.value)
            case .array(let a): pending += a
            default: break
            }
        }
        components["schemas"] = .object(JSONObject(schemas.entries.filter { used.contains($0.key) }.map { ($0.key, $0.value) }))
        var result = root
        result["components"] = .object(components)
        return result
    }

    /// Every (path, verb) the document describes, verbs upper-case.
    public var operations: [(path: String, method: String)] {
        guard case .object(let root) = document, case .object(let paths)? = root["paths"] else { return [] }
        return paths.entries.flatMap { entry -> [(path: String, method: String)] in
            guard case .object(let item) = entry.value else { return [] }
            return item.entries.map { (entry.key, $0.key.uppercased()) }
        }
    }
}
