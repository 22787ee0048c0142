/// `multipart/form-data` bodies: the text fields become strings; file parts are ignored
/// (no endpoint takes files).
enum Multipart {
    static func parse(_ body: [UInt8], boundary: String?) throws(APIError) -> JSONObject {
        guard let boundary, !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw .detail(.badRequest, "Multipart form parse error - Invalid boundary in multipart: \(boundary ?? "None")")
        }
        let delimiter = Array(("--" + boundary).utf8)
        var object = JSONObject()
        var parts = 0
        guard var position = find(delimiter, in: body, from: 0) else {
            throw .detail(.badRequest, "Multipart form parse error - Multipart body has no boundary line")
        }
        while true {
            position += delimiter.count
            // "--" after the delimiter ends the body.
            if position + 1 < body.count, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-") { break }
            // Skip the rest of the delimiter line.
            guard let lineEnd = find([0x0D, 0x0A], in: body, from: position) else { break }
            let partStart = lineEnd + 2
            guard let next = find([0x0D, 0x0A] + delimiter, in: body, from: partStart) ?? find(delimiter, in: body, from: partStart) else {
                throw .detail(.badRequest, "Multipart form parse error - Unterminated part")
            }
            let part = Array(body[partStart..<next])
            parts += 1
            if parts > BodyParser.maximumFields { throw BodyParser.tooManyFields }
            try addPart(part, to: &object)
            position = body[next] == 0x0D ? next + 2 : next
        }
        return object
    }

    private static func addPart(_ part: [UInt8], to object: inout JSONObject) throws(APIError) {
        guard let headerEnd = find([0x0D, 0x0A, 0x0D, 0x0A], in: part, from: 0) else {
            throw .detail(.badRequest, "Multipart form parse error - Part has no header block")
        }
        let headerText = String(decoding: part[..<headerEnd], as: UTF8.self)
        var name: String?
        var isFile = false
        for line in headerText.split(separator: "\r\n") {
            guard line.lowercased().hasPrefix("content-disposition:") else { continue }
            for item in line.split(separator: ";").dropFirst() {
                let kv = item.trimmingWhitespace()
                if kv.hasPrefix("name=") { name = unquote(String(kv.dropFirst(5))) }
                if kv.hasPrefix("filename=") { isFile = true }
            }
        }
        guard let name, !isFile else { return }
        object[name] = .string(String(decoding: part[(headerEnd + 4)...], as: UTF8.self))
    }

    private static func unquote(_ s: String) -> String {
        if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") { return String(s.dropFirst().dropLast()) }
        return s
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == needle[0] {
                var k = 1
                while k < needle.count && haystack[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
