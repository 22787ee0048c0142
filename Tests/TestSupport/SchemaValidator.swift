import AuthKit
import Foundation

/// Validates JSON responses against the service's OpenAPI document: the subset of JSON Schema
/// the document uses ($ref, type, properties, required, additionalProperties, items, enum,
/// const, oneOf, allOf, min/maxProperties, maxLength, pattern, format date-time), with
/// OpenAPI's rule that writeOnly properties are not required in responses.
public struct SchemaValidator {
    let root: JSONObject
    let basePath: String

    public init(document: JSONValue, basePath: String = "/api/auth/") {
        guard case .object(let r) = document else { preconditionFailure("not an object") }
        root = r
        self.basePath = basePath
    }

    /// Problems with one response (empty when it conforms).
    public func check(method: String, path: String, status: Int, contentType: String?, body: [UInt8]) -> [String] {
        var p = path.split(separator: "?").first.map(String.init) ?? path
        if !p.hasSuffix("/") { p += "/" }
        guard case .object(let paths)? = root["paths"], case .object(let item)? = paths[p] ?? templated(p, in: paths) else {
            return ["\(path): no such path in the schema"]
        }
        guard case .object(let operation)? = item[method.lowercased()] else { return ["\(method) \(path): no such operation"] }
        guard case .object(let responses)? = operation["responses"], let found = responses[String(status)] else {
            return ["\(method) \(path): status \(status) not documented"]
        }
        guard case .object(let response) = resolve(found) else { return ["bad response object"] }
        guard case .object(let content)? = response["content"] else {
            return body.isEmpty ? [] : ["\(method) \(path) \(status): body where the schema says none"]
        }
        guard let media = contentType?.split(separator: ";").first.map({ $0.trimmingCharacters(in: .whitespaces) }),
              case .object(let mediaObject)? = content[media], let schema = mediaObject["schema"] else {
            return ["\(method) \(path) \(status): content type \(contentType ?? "none") not documented"]
        }
        guard let value = try? JSONParser.parse(body) else { return ["\(method) \(path) \(status): body is not JSON"] }
        return validate(value, schema, at: "\(method) \(path) \(status) $")
    }

    /// The item of a templated path (`webauthn/credentials/{id}/`) that `path` instantiates.
    func templated(_ path: String, in paths: JSONObject) -> JSONValue? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return paths.entries.first { entry in
            let pattern = entry.key.split(separator: "/", omittingEmptySubsequences: false)
            return entry.key.contains("{") && pattern.count == segments.count
                && zip(pattern, segments).allSatisfy { $0.hasPrefix("{") ? !$1.isEmpty : $0 == $1 }
        }?.value
    }

    func resolve(_ value: JSONValue) -> JSONValue {
        guard case .object(let o) = value, case .string(let ref)? = o["$ref"], ref.hasPrefix("#/") else { return value }
        var node: JSONValue = .object(root)
        for part in ref.dropFirst(2).split(separator: "/") {
            guard case .object(let obj) = node, let next = obj[String(part)] else { return .null }
            node = next
        }
        return resolve(node)
    }

    public func validate(_ value: JSONValue, _ schemaValue: JSONValue, at where_: String) -> [String] {
        guard case .object(let schema) = resolve(schemaValue) else { return ["\(where_): unresolvable schema"] }
        var problems: [String] = []
        if case .string(let type)? = schema["type"], !matches(value, type) {
            return ["\(where_): expected \(type), got \(value)"]
        }
        if case .array(let options)? = schema["enum"], !options.contains(value) { problems.append("\(where_): \(value) not in \(options)") }
        if let constant = schema["const"], constant != value { problems.append("\(where_): \(value) is not \(constant)") }
        if case .array(let all)? = schema["allOf"] {
            for s in all { problems += validate(value, s, at: where_) }
        }
        if case .array(let one)? = schema["oneOf"] {
            let passing = one.filter { validate(value, $0, at: where_).isEmpty }.count
            if passing != 1 { problems.append("\(where_): matches \(passing) of the oneOf schemas") }
        }
        if case .string(let s) = value {
            if case .number(let n)? = schema["maxLength"], let max = Int(n.literal), s.count > max { problems.append("\(where_): longer than \(max)") }
            if case .string(let pattern)? = schema["pattern"], s.range(of: pattern, options: .regularExpression) == nil {
                problems.append("\(where_): \(s) does not match \(pattern)")
            }
            if case .string("date-time")? = schema["format"],
               s.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#, options: .regularExpression) == nil {
                problems.append("\(where_): \(s) is not a date-time")
            }
        }
        if case .array(let items) = value, let itemSchema = schema["items"] {
            for (i, item) in items.enumerated() { problems += validate(item, itemSchema, at: "\(where_)[\(i)]") }
        }
        if case .object(let object) = value {
            let properties: JSONObject
            if case .object(let p)? = schema["properties"] { properties = p } else { properties = JSONObject() }
            if case .array(let required)? = schema["required"] {
                for case .string(let name) in required where object[name] == nil {
                    if case .object(let prop)? = properties[name].map(resolve), prop["writeOnly"] == .bool(true) { continue }
                    problems.append("\(where_): missing \(name)")
                }
            }
            for entry in object.entries {
                if let p = properties[entry.key] {
                    if case .object(let prop) = resolve(p), prop["writeOnly"] == .bool(true) {
                        problems.append("\(where_).\(entry.key): writeOnly property in a response")
                    }
                    problems += validate(entry.value, p, at: "\(where_).\(entry.key)")
                } else if let extra = schema["additionalProperties"] {
                    if extra == .bool(false) { problems.append("\(where_): unexpected \(entry.key)") }
                    else if case .object = extra { problems += validate(entry.value, extra, at: "\(where_).\(entry.key)") }
                }
            }
            if case .number(let n)? = schema["minProperties"], let min = Int(n.literal), object.count < min { problems.append("\(where_): fewer than \(min) properties") }
            if case .number(let n)? = schema["maxProperties"], let max = Int(n.literal), object.count > max { problems.append("\(where_): more than \(max) properties") }
        }
        return problems
    }

    func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): return true
        case ("integer", .number(let n)): return n.isInteger
        case ("number", .number): return true
        default: return false
        }
    }
}
