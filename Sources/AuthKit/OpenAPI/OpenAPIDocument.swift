/// The OpenAPI 3.1 description of this instance's API, served at AUTHKIT_SCHEMA_PATH.
///
/// Hand-kept in `openapi.json` (paths relative to the base path, the method enum, version and
/// cookie name as placeholders) and completed from the settings at start-up. A test compares
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
        for (path, item) in paths.entries { absolute.append(settings.server.basePath + path, item) }
        root["paths"] = .object(absolute)
        document = .object(root)
        json = JSONWriter.encode(document)
        yaml = YAMLWriter.encode(document)
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
