import Foundation

/// A software passkey (tools/soft_authenticator.py, Python + the pinned `cryptography`): it
/// answers the server's creation and request options the way a browser with an authenticator
/// does, keeping its keys in a state file. `AUTHKIT_TEST_PYTHON` names the interpreter that has
/// `cryptography` (deploy/test sets it to its venv's).
public final class SoftAuthenticator: @unchecked Sendable {
    public let origin: String
    let statePath: String

    public init(origin: String) throws {
        self.origin = origin
        statePath = try Paths.temporaryDirectory("authkit-passkey") + "/state.json"
    }

    static var python: String { ProcessInfo.processInfo.environment["AUTHKIT_TEST_PYTHON"] ?? "/usr/bin/python3" }

    /// The registration JSON for `options` (a whole server answer is fine: it finds the options).
    /// `alg`: "ES256" or "EdDSA"; `fmt`: "none" or "packed"; `set`: create()'s keyword arguments.
    /// `key`: register that stored key again (a duplicate) instead of a new one. `attestation`:
    /// with fmt "packed", attest with the x5c chain of a `makeCA` directory instead of self.
    public func create(_ options: String, alg: String? = nil, fmt: String = "none", backup: Bool = false,
                       key: Int? = nil, attestation: String? = nil, set: [String: String] = [:]) throws -> String {
        var arguments = ["--fmt", fmt]
        if let attestation { arguments += ["--attestation", attestation] }
        if let key { arguments += ["--key", String(key)] }
        if let alg { arguments += ["--alg", alg] }
        if backup { arguments.append("--backup") }
        return try run("create", options, arguments, set)
    }

    /// The assertion JSON for `options`, with `session_id` copied in when `embedSessionID`.
    /// `key`: which stored key signs (default: the first allowed).
    public func get(_ options: String, embedSessionID: Bool = false, key: Int? = nil,
                    set: [String: String] = [:]) throws -> String {
        var arguments: [String] = []
        if embedSessionID { arguments.append("--embed-session-id") }
        if let key { arguments += ["--key", String(key)] }
        return try run("get", options, arguments, set)
    }

    /// A fresh test attestation CA in `directory`: root.pem (a trust anchor for
    /// AUTHKIT_WEBAUTHN_TRUST_STORE), key.pem and chain.pem (what `create(attestation:)` uses).
    public static func makeCA(_ directory: String) throws {
        let script = Paths.root.appendingPathComponent("tools/soft_authenticator.py").path
        _ = try Shell.run(python, [script, "--state", directory + "/unused-state.json", "make-ca", directory])
    }

    private func run(_ command: String, _ options: String, _ arguments: [String], _ set: [String: String]) throws -> String {
        let dir = try Paths.temporaryDirectory("authkit-options")
        try options.write(toFile: dir + "/options.json", atomically: true, encoding: .utf8)
        let script = Paths.root.appendingPathComponent("tools/soft_authenticator.py").path
        let overrides = set.sorted { $0.key < $1.key }.flatMap { ["--set", "\($0.key)=\($0.value)"] }
        let out = try Shell.run(Self.python, [script, "--state", statePath, "--origin", origin] + arguments + overrides
                                + [command, dir + "/options.json"])
        return out.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
