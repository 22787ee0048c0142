import AuthKit
import Foundation

/// Calls a Stack the way a frontend does.
extension Stack {
    public func post(_ path: String, _ json: String, token: String? = nil) throws -> HTTPClient.Response {
        try http.post(path, json: json, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [])
    }

    public func get(_ path: String, token: String) throws -> HTTPClient.Response {
        try http.get(path, headers: [("Authorization", "Bearer \(token)")])
    }

    public func login(_ username: String, _ password: String = "S3cret-pass!") throws -> HTTPClient.Response {
        try post("login/", #"{"username": "\#(username)", "password": "\#(password)"}"#)
    }

    /// A fresh access token for a user without an active method.
    public func accessToken(_ username: String) throws -> String {
        let r = try login(username)
        guard let token = r.string("access") else { throw CommandFailure(command: "login \(username)", status: Int32(r.status), output: r.text) }
        return token
    }

    public var mailbox: Mailbox { Mailbox(directory: app.mailDirectory) }
}

extension HTTPClient.Response {
    /// A top-level string field of a JSON object body.
    public func string(_ key: String) -> String? {
        guard case .object(let o)? = json, case .string(let s)? = o[key] else { return nil }
        return s
    }

    public func object(_ key: String) -> JSONObject? {
        guard case .object(let o)? = json, case .object(let inner)? = o[key] else { return nil }
        return inner
    }

    public func strings(_ key: String) -> [String] {
        guard case .object(let o)? = json, case .array(let items)? = o[key] else { return [] }
        return items.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
    }

    public func cookie(_ name: String) -> String? {
        headers(named: "Set-Cookie").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1).prefix { $0 != ";" }) }
    }
}
