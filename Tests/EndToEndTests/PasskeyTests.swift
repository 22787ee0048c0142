import AuthKit
import Foundation
import Testing
import TestSupport

/// Passkeys through nginx with a software authenticator (issue 15; docs/api.md §13–§14).
@Suite struct PasskeyTests {
    static let origin = "http://localhost:8000"
    static let settings = [
        "AUTHKIT_MFA_HANDLERS": "app,email,webauthn",
        "AUTHKIT_WEBAUTHN_RP_ID": "localhost",
        "AUTHKIT_WEBAUTHN_RP_NAME": "authkit tests",
        "AUTHKIT_WEBAUTHN_ORIGIN": origin,
        "AUTHKIT_USE_PASSWORDLESS": "true",
    ]
    static let stack = Result { try Stack(settings: settings) }

    /// A JSON document as the string value of a JSON field.
    static func quoted(_ json: String) -> String {
        String(decoding: JSONWriter.encode(.string(json)), as: UTF8.self)
    }

    /// A user whose primary method is a passkey registered through POST mfa/ and mfa/confirm/.
    static func enrol(_ s: Stack, _ username: String, alg: String? = nil) throws
        -> (token: String, key: SoftAuthenticator, backupCodes: [String]) {
        try s.createUser(username)
        let token = try s.accessToken(username)
        let key = try SoftAuthenticator(origin: origin)
        let created = try s.post("mfa/", #"{"method": "webauthn"}"#, token: token)
        #expect(created.status == 201, "\(created.text)")
        let registration = try key.create(created.text, alg: alg)
        let confirmed = try s.post("mfa/confirm/", #"{"method": "webauthn", "code": \#(quoted(registration))}"#,
                                   token: token)
        #expect(confirmed.text == #"{"detail":"Activated MFA method"}"#)
        return (token, key, created.strings("backup_codes"))
    }

    /// login/ then login/challenge/: the ephemeral token and the request options.
    static func challenge(_ s: Stack, _ username: String) throws -> (token: String, options: HTTPClient.Response) {
        let first = try s.login(username)
        let token = try #require(first.string("ephemeral_token"))
        return (token, try s.post("login/challenge/", #"{"ephemeral_token": "\#(token)"}"#))
    }

    static func verify(_ s: Stack, _ token: String, _ code: String) throws -> HTTPClient.Response {
        try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": \#(quoted(code))}"#)
    }

    func send(_ s: Stack, _ method: String, _ path: String, token: String, json: String? = nil) throws
        -> HTTPClient.Response {
        var headers = [("Authorization", "Bearer \(token)")]
        if json != nil { headers.append(("Content-Type", "application/json")) }
        return try s.http.send(method, path, headers: headers, body: json.map { Array($0.utf8) })
    }

    @Test func enrolSignInAndManageKeys() throws {
        let s = try Self.stack.get()
        let created = try s.post("mfa/", #"{"method": "webauthn"}"#, token: try {
            try s.createUser("wa_opts")
            return try s.accessToken("wa_opts")
        }())
        let options = try #require(created.object("setup_data")?["options"])
        guard case .object(let o) = options else { Issue.record("no options"); return }
        #expect(o.entries.map(\.key) == ["rp", "user", "challenge", "pubKeyCredParams", "timeout", "excludeCredentials",
                                         "authenticatorSelection", "attestation"])
        #expect(o["rp"] == .object(["name": "authkit tests", "id": "localhost"]))
        #expect(o["timeout"] == 60000 && o["attestation"] == "none" && o["excludeCredentials"] == [])
        if case .string(let challenge)? = o["challenge"] { #expect(challenge.count == 86) }

        let (access, key, backupCodes) = try Self.enrol(s, "wa_alice")
        let list = try s.get("mfa/", token: access)
        #expect(list.text.contains(#"{"name":"webauthn","is_primary":true,"is_active":true,"is_setup":true}"#))

        // Sign in: login/ names webauthn, login/challenge/ gives request options, the assertion finishes it.
        let (ephemeral, request) = try Self.challenge(s, "wa_alice")
        guard case .object(let ro)? = request.json else { Issue.record(Comment(rawValue: request.text)); return }
        #expect(ro.entries.map(\.key) == ["challenge", "timeout", "rpId", "allowCredentials", "userVerification",
                                          "session_id"])
        let assertion = try key.get(request.text, embedSessionID: true)
        let session = try Self.verify(s, ephemeral, assertion)
        #expect(session.status == 200 && session.string("access") != nil, "\(session.text)")
        #expect(session.json.flatMap { if case .object(let b) = $0 { b["mfa_enabled"] } else { nil } } == nil)
        // The same answer again (another ephemeral token): its challenge is gone.
        let (again, _) = try Self.challenge(s, "wa_alice")
        #expect(try Self.verify(s, again, assertion).text == #"{"non_field_errors":["Invalid code"]}"#)
        // A backup code works on a webauthn login too.
        #expect(try Self.verify(s, again, backupCodes[0]).status == 200)

        // A second key through webauthn/credentials/, named; Ed25519 with packed self attestation.
        let registerOptions = try s.post("webauthn/credentials/register_options/", "{}", token: access)
        #expect(registerOptions.text.contains(#""excludeCredentials":[{"id":"#), "the first key is excluded")
        let second = try key.create(registerOptions.text, alg: "EdDSA", fmt: "packed", backup: true)
        let added = try s.post("webauthn/credentials/", #"{"credential": \#(second), "name": "  Laptop  "}"#,
                               token: access)
        #expect(added.status == 201, "\(added.text)")
        #expect(added.string("name") == "Laptop")
        guard case .object(let row)? = added.json else { Issue.record(Comment(rawValue: added.text)); return }
        #expect(row.entries.map(\.key) == ["id", "name", "discoverable", "transports", "aaguid", "created_at",
                                           "last_used_at"])
        #expect(row["discoverable"] == true && row["last_used_at"] == .null && row["transports"] == ["internal"])
        #expect(row["aaguid"] == "00000000-0000-0000-0000-000000000000")
        let secondID = try #require(row["id"].flatMap { if case .number(let n) = $0 { n.intValue } else { nil } })

        let keys = try s.get("webauthn/credentials/", token: access)
        guard case .array(let items)? = keys.json else { Issue.record(Comment(rawValue: keys.text)); return }
        #expect(items.count == 2)
        // Newest first; the first key has signed an assertion.
        if case .object(let newest) = items[0], case .object(let oldest) = items[1] {
            #expect(newest["name"] == "Laptop" && oldest["name"] == "Passkey")
            #expect(oldest["last_used_at"] != .null)
        }
        let firstID = items.count == 2 ? { if case .object(let o) = items[1], case .number(let n)? = o["id"] {
            return n.intValue ?? 0 } else { return 0 } }() : 0

        // The second key signs a login too (one pool of keys per user).
        let (third, request2) = try Self.challenge(s, "wa_alice")
        #expect(try Self.verify(s, third, try key.get(request2.text, embedSessionID: true, key: 1)).status == 200)

        #expect(try send(s, "PATCH", "webauthn/credentials/\(secondID)/rename/", token: access,
                         json: #"{"name": "Work laptop"}"#).text == #"{"detail":"Credential renamed."}"#)
        #expect(try send(s, "PATCH", "webauthn/credentials/\(secondID)/rename/", token: access,
                         json: #"{"name": ""}"#).text == #"{"name":["This field may not be blank."]}"#)
        #expect(try send(s, "PATCH", "webauthn/credentials/999999/rename/", token: access,
                         json: #"{"name": "x"}"#).text == #"{"detail":"No WebAuthnCredential matches the given query."}"#)
        #expect(try send(s, "DELETE", "webauthn/credentials/abc/", token: access).text == #"{"detail":"Not found."}"#)
        // Another user cannot touch the key.
        try s.createUser("wa_mallory")
        let mallory = try s.accessToken("wa_mallory")
        #expect(try send(s, "DELETE", "webauthn/credentials/\(secondID)/", token: mallory).status == 404)
        #expect(try s.get("webauthn/credentials/", token: mallory).text == "[]")

        #expect(try send(s, "DELETE", "webauthn/credentials/\(firstID)/", token: access).status == 204)
        // The last key while webauthn is the primary, active method: refused.
        let last = try send(s, "DELETE", "webauthn/credentials/\(secondID)/", token: access)
        #expect(last.status == 400)
        #expect(last.text == #"{"detail":"Cannot delete the last passkey while WebAuthn is the primary MFA method."}"#)
        let events = try s.psql("""
            SELECT string_agg(event, ',' ORDER BY e.id) FROM mfa_events e JOIN users u ON u.id = e.user_id
            WHERE u.username = 'wa_alice' AND event LIKE 'passkey_%'
            """)
        #expect(events.contains("passkey_added,passkey_renamed,passkey_deleted"), "\(events)")
    }

    @Test func refusedAnswersAreAuditedAndNeverAServerError() throws {
        let s = try Self.stack.get()
        let (_, key, _) = try Self.enrol(s, "wa_bob")
        let (_, other, _) = try Self.enrol(s, "wa_carl")
        let invalid = #"{"non_field_errors":["Invalid code"]}"#
        let cases: [(String, (String) throws -> String)] = [
            ("wrong origin", { try key.get($0, embedSessionID: true, set: ["origin": #""http://evil.example""#]) }),
            ("wrong RP", { try key.get($0, embedSessionID: true, set: ["rp_id_hash": "\"" + String(repeating: "ab", count: 32) + "\""]) }),
            ("wrong challenge", { try key.get($0, embedSessionID: true, set: ["challenge": #""AAAAAAAAAAAAAAAAAAAAAA""#]) }),
            ("bad signature", { try key.get($0, embedSessionID: true, set: ["tamper_signature": "true"]) }),
            ("no user presence", { try key.get($0, embedSessionID: true, set: ["flags": "0"]) }),
            ("another user's key", { try other.get($0, embedSessionID: true, key: 0, set: ["cred_id": "\"" + "00" + "\""]) }),
        ]
        for (name, answer) in cases {
            let (token, request) = try Self.challenge(s, "wa_bob")
            let response = try Self.verify(s, token, try answer(request.text))
            #expect(response.text == invalid, "\(name): \(response.text)")
        }
        // Another user's real key over bob's challenge.
        let (token, request) = try Self.challenge(s, "wa_bob")
        var options = request.text
        options = options.replacingOccurrences(of: #""allowCredentials":[{"#, with: #""allowCredentials":[],"x":[{"#)
        #expect(try Self.verify(s, token, try other.get(options, embedSessionID: true)).text == invalid)
        // Expired: the challenge's time is up.
        let (expiredToken, expiredRequest) = try Self.challenge(s, "wa_bob")
        _ = try s.psql("UPDATE webauthn_challenges SET expires_at = now() - interval '1 second' WHERE purpose = 'authentication'")
        #expect(try Self.verify(s, expiredToken, try key.get(expiredRequest.text, embedSessionID: true)).text == invalid)
        // Malformed: not JSON, JSON without a session, garbage inside.
        let (t2, r2) = try Self.challenge(s, "wa_bob")
        for code in ["{", "[]", #"{"session_id": "nope"}"#, #"{"id": 5, "session_id": 7}"#] {
            #expect(try Self.verify(s, t2, code).text == invalid, "\(code)")
        }
        // The challenge of r2 still works (nothing above named it), once.
        let good = try key.get(r2.text, embedSessionID: true)
        #expect(try Self.verify(s, t2, good).status == 200)
        // A cloned key: the counter goes back.
        let (t3, r3) = try Self.challenge(s, "wa_bob")
        #expect(try Self.verify(s, t3, try key.get(r3.text, embedSessionID: true, set: ["sign_count": "1"])).text == invalid)
        let reasons = try s.psql("""
            SELECT string_agg(coalesce(details->>'reason', event), ' | ' ORDER BY e.id) FROM mfa_events e
            JOIN users u ON u.id = e.user_id WHERE u.username = 'wa_bob' AND event LIKE 'passkey_%'
            """)
        for reason in ["Unexpected client data origin", "Unexpected RP ID hash", "Client data challenge was not expected",
                       "Could not verify authentication signature", "User was not present", "Credential not found.",
                       "Authentication challenge expired or not found.", "was not greater than current count",
                       "passkey_clone_warning"] {
            #expect(reasons.contains(reason), "\(reason) in \(reasons)")
        }
        let failures = try s.psql("""
            SELECT count(*) FROM mfa_events e JOIN users u ON u.id = e.user_id
            WHERE u.username = 'wa_bob' AND event = 'login_failed' AND code_kind = 'webauthn'
            """)
        #expect(Int(failures.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 >= 9, "\(failures)")
    }

    @Test func credentialRouteAnswersWithTheReferenceMessages() throws {
        let s = try Self.stack.get()
        try s.createUser("wa_dora")
        let access = try s.accessToken("wa_dora")
        let key = try SoftAuthenticator(origin: Self.origin)
        func attempt(_ body: (String) throws -> String) throws -> String {
            let options = try s.post("webauthn/credentials/register_options/", "", token: access).text
            return try s.post("webauthn/credentials/", try body(options), token: access).text
        }
        #expect(try attempt { _ in #"{"credential": "not json"}"# } == #"["Unable to decode credential as JSON"]"#)
        #expect(try attempt { _ in #"{"credential": []}"# } == #"["Credential was not a JSON object"]"#)
        #expect(try attempt { _ in #"{"credential": {}}"# } == #"["Credential missing required id"]"#)
        #expect(try attempt { _ in "{}" } == #"{"credential":["This field is required."]}"#)
        #expect(try attempt { #"{"credential": \#(try key.create($0, set: ["origin": #""http://evil.example""#]))}"# }
                == #"["Unexpected client data origin \"http://evil.example\", expected \"http://localhost:8000\""]"#)
        #expect(try attempt { #"{"credential": \#(try key.create($0, set: ["flags": "64"]))}"# }
                == #"["User presence was required, but was not present during attestation"]"#)
        #expect(try attempt { #"{"credential": \#(try key.create($0, fmt: "packed", set: ["bad_attestation_signature": "true"]))}"# }
                == #"["Could not verify attestation statement signature"]"#)
        // One answer, twice: the challenge went with the first.
        let options = try s.post("webauthn/credentials/register_options/", "", token: access).text
        let registration = try key.create(options)
        #expect(try s.post("webauthn/credentials/", #"{"credential": \#(Self.quoted(registration))}"#, token: access).status == 201)
        #expect(try s.post("webauthn/credentials/", #"{"credential": \#(registration)}"#, token: access).text
                == #"["Registration challenge expired or not found."]"#)
        // The same key registered again (a new challenge): refused, not a 500.
        let replay = try s.post("webauthn/credentials/register_options/", "", token: access).text
        #expect(try s.post("webauthn/credentials/", #"{"credential": \#(try key.create(replay, key: -1))}"#, token: access).text
                == #"["Credential is already registered"]"#)
        let nameTooLong = String(repeating: "n", count: 256)
        #expect(try s.post("webauthn/credentials/", #"{"credential": {}, "name": "\#(nameTooLong)"}"#, token: access).text
                == #"{"name":["Ensure this field has no more than 255 characters."]}"#)
    }

    @Test func passwordlessPasskey() throws {
        let s = try Self.stack.get()
        // A user without MFA registers a passkey and signs in with it alone.
        try s.createUser("wa_erin")
        let access = try s.accessToken("wa_erin")
        let key = try SoftAuthenticator(origin: Self.origin)
        let options = try s.post("webauthn/credentials/register_options/", "", token: access).text
        #expect(try s.post("webauthn/credentials/", #"{"credential": \#(try key.create(options))}"#, token: access).status == 201)

        let initiated = try s.post("passwordless/webauthn/initiate/", "{}")
        #expect(initiated.text.contains(#""allowCredentials":[],"userVerification":"preferred","session_id":""#))
        let assertion = try key.get(initiated.text)
        let session = try #require(initiated.string("session_id"))
        let signedIn = try s.post("passwordless/webauthn/verify/", #"{"credential": \#(assertion), "session_id": "\#(session)"}"#)
        #expect(signedIn.status == 200 && signedIn.string("access") != nil, "\(signedIn.text)")
        #expect(!signedIn.text.contains("mfa_enabled"))
        #expect(try s.post("passwordless/webauthn/verify/", #"{"credential": \#(assertion), "session_id": "\#(session)"}"#).text
                == #"{"non_field_errors":["WebAuthn authentication failed."]}"#, "replayed")
        // With the address: the options list that user's keys (any case).
        let forErin = try s.post("passwordless/webauthn/initiate/", #"{"email": "WA_ERIN@example.com"}"#)
        #expect(forErin.text.contains(#""allowCredentials":[{"id":"#) && forErin.text.contains(#""transports":["internal"]"#))
        // An address without an account (or without keys) gets a made-up key, the same each time:
        // the answer does not tell who has passkeys.
        func allowed(_ r: HTTPClient.Response) -> JSONValue? {
            if case .object(let o)? = r.json { return o["allowCredentials"] } else { return nil }
        }
        let nobody = try s.post("passwordless/webauthn/initiate/", #"{"email": "nobody@example.com"}"#)
        let nobodyAgain = try s.post("passwordless/webauthn/initiate/", #"{"email": "NOBODY@example.com"}"#)
        #expect(allowed(nobody) == allowed(nobodyAgain) && allowed(nobody) != [] && allowed(nobody) != nil)
        // As a JSON string too; as an array: a clear 400, never a 500.
        let asText = try key.get(forErin.text)
        #expect(try s.post("passwordless/webauthn/verify/",
                           #"{"credential": \#(Self.quoted(asText)), "session_id": "\#(forErin.string("session_id")!)"}"#).status == 200)
        #expect(try s.post("passwordless/webauthn/verify/", #"{"credential": [], "session_id": "x"}"#).text
                == #"{"non_field_errors":["WebAuthn authentication failed."]}"#)
        #expect(try s.post("passwordless/webauthn/verify/", "{}").text
                == #"{"credential":["This field is required."],"session_id":["This field is required."]}"#)
        // A login/challenge/ session is not a passwordless one.
        let (_, key2, _) = try Self.enrol(s, "wa_fred")
        let (_, loginOptions) = try Self.challenge(s, "wa_fred")
        #expect(try s.post("passwordless/webauthn/verify/",
                           #"{"credential": \#(try key2.get(loginOptions.text)), "session_id": "\#(loginOptions.string("session_id")!)"}"#).status == 400)

        // wa_fred has webauthn as MFA: with UV the passkey alone is two factors; without, the second step follows.
        let p1 = try s.post("passwordless/webauthn/initiate/", "{}")
        let withUV = try s.post("passwordless/webauthn/verify/",
                                #"{"credential": \#(try key2.get(p1.text)), "session_id": "\#(p1.string("session_id")!)"}"#)
        #expect(withUV.string("access") != nil, "\(withUV.text)")
        let p2 = try s.post("passwordless/webauthn/initiate/", "{}")
        let withoutUV = try s.post("passwordless/webauthn/verify/",
                                   #"{"credential": \#(try key2.get(p2.text, set: ["flags": "1"])), "session_id": "\#(p2.string("session_id")!)"}"#)
        #expect(withoutUV.string("method") == "webauthn" && withoutUV.string("ephemeral_token") != nil, "\(withoutUV.text)")
        let audit = try s.psql("""
            SELECT string_agg(details->>'multi_factor', ',' ORDER BY e.id) FROM mfa_events e JOIN users u ON u.id = e.user_id
            WHERE u.username = 'wa_fred' AND event = 'passwordless_login'
            """)
        #expect(audit.trimmingCharacters(in: .whitespacesAndNewlines) == "true")
    }

    /// The bare token line of a login-link mail: `<pk>-<base36>-<40 hex>`.
    static func loginToken(in raw: String) -> String? {
        for line in raw.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "-")
            if parts.count == 3, parts[0].allSatisfy(\.isNumber), parts[2].count == 40,
               parts[2].allSatisfy(\.isHexDigit) {
                return String(line)
            }
        }
        return nil
    }

    @Test func passwordlessEmailLink() throws {
        let s = try Self.stack.get()
        try s.createUser("wa_gina")
        let sent = try s.post("passwordless/email/initiate/", #"{"email": "WA_GINA@example.com"}"#)
        #expect(sent.text == #"{"detail":"A login link has been sent."}"#)
        let mail = try #require(s.mailbox.message(0, to: "wa_gina@example.com"))
        #expect(mail.header("Subject") == "Your login link")
        let token = try #require(Self.loginToken(in: mail.raw))
        let verified = try s.post("passwordless/email/verify/", #"{"token": "\#(token)"}"#)
        #expect(verified.status == 200 && verified.text.hasSuffix(#""mfa_enabled":false}"#), "\(verified.text)")
        #expect(try s.post("passwordless/email/verify/", #"{"token": "\#(token)"}"#).text
                == #"{"non_field_errors":["Invalid or expired token."]}"#, "used once")
        #expect(try s.post("passwordless/email/verify/", #"{"token": "garbage"}"#).status == 400)
        #expect(try s.post("passwordless/email/verify/", "{}").text == #"{"token":["This field is required."]}"#)
        // Unknown address: the same answer, no mail.
        #expect(try s.post("passwordless/email/initiate/", #"{"email": "nobody@example.com"}"#).text == sent.text)
        #expect(try s.post("passwordless/email/initiate/", #"{"email": "nope"}"#).text
                == #"{"email":["Enter a valid email address."]}"#)
        // A user with an active method gets the second step after the link.
        let (_, _, _) = try Self.enrol(s, "wa_hank")
        _ = try s.post("passwordless/email/initiate/", #"{"email": "wa_hank@example.com"}"#)
        let hankMail = try #require(s.mailbox.message(0, to: "wa_hank@example.com"))
        let hankToken = try #require(Self.loginToken(in: hankMail.raw))
        let second = try s.post("passwordless/email/verify/", #"{"token": "\#(hankToken)"}"#)
        #expect(second.string("method") == "webauthn" && second.text.hasSuffix(#""mfa_enabled":true}"#), "\(second.text)")
    }
    /// Every answer of the passkey and passwordless routes conforms to the served OpenAPI document.
    @Test func answersConformToTheSchema() throws {
        let s = try Self.stack.get()
        let document = try #require(try s.http.get("/api/schema/").json)
        var run = CheckedRun(stack: s, validator: SchemaValidator(document: document))
        try s.createUser("wa_schema")
        let access = try s.accessToken("wa_schema")
        let key = try SoftAuthenticator(origin: Self.origin)
        let created = try run.post("mfa/", #"{"method": "webauthn"}"#, token: access)
        _ = try run.post("mfa/confirm/", #"{"method": "webauthn", "code": \#(Self.quoted(try key.create(created.text)))}"#,
                         token: access)
        _ = try run.send("GET", "mfa/", token: access)
        let first = try run.post("login/", #"{"username": "wa_schema", "password": "S3cret-pass!"}"#)
        let ephemeral = try #require(first.string("ephemeral_token"))
        let options = try run.post("login/challenge/", #"{"ephemeral_token": "\#(ephemeral)"}"#)
        _ = try run.post("login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "{}"}"#)
        _ = try run.post("login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": \#(Self.quoted(try key.get(options.text, embedSessionID: true)))}"#)
        _ = try run.post("mfa/challenge/", #"{"method": "webauthn"}"#, token: access)
        let register = try run.post("webauthn/credentials/register_options/", "{}", token: access)
        let added = try run.post("webauthn/credentials/", #"{"credential": \#(try key.create(register.text)), "name": "Schema"}"#, token: access)
        _ = try run.post("webauthn/credentials/", #"{"credential": "not json"}"#, token: access)
        _ = try run.post("webauthn/credentials/", "{}", token: access)
        _ = try run.send("GET", "webauthn/credentials/", token: access)
        _ = try run.send("GET", "webauthn/credentials/")
        let id = added.json.flatMap { if case .object(let o) = $0, case .number(let n)? = o["id"] { n.literal } else { nil } } ?? "0"
        _ = try run.send("PATCH", "webauthn/credentials/\(id)/rename/", token: access, json: #"{"name": "Renamed"}"#)
        _ = try run.send("PATCH", "webauthn/credentials/\(id)/rename/", token: access, json: "{}")
        _ = try run.send("PATCH", "webauthn/credentials/999999/rename/", token: access, json: #"{"name": "x"}"#)
        _ = try run.send("DELETE", "webauthn/credentials/\(id)/", token: access)
        _ = try run.send("DELETE", "webauthn/credentials/\(id)/", token: access)
        let initiated = try run.post("passwordless/webauthn/initiate/", #"{"email": "wa_schema@example.com"}"#)
        _ = try run.post("passwordless/webauthn/initiate/", #"{"email": "nope"}"#)
        _ = try run.post("passwordless/webauthn/verify/", #"{"credential": \#(try key.get(initiated.text)), "session_id": "\#(initiated.string("session_id")!)"}"#)
        _ = try run.post("passwordless/webauthn/verify/", #"{"credential": {}, "session_id": "x"}"#)
        _ = try run.post("passwordless/email/initiate/", #"{"email": "wa_schema@example.com"}"#)
        _ = try run.post("passwordless/email/verify/", #"{"token": "1-a-b"}"#)
        let mail = try #require(s.mailbox.message(0, to: "wa_schema@example.com"))
        let token = try #require(Self.loginToken(in: mail.raw))
        _ = try run.post("passwordless/email/verify/", #"{"token": "\#(token)"}"#)
        #expect(run.problems.isEmpty, "\(run.problems)")
        #expect(run.checked == 26 && !run.statuses.contains(500))
    }

    @Test func otherCodeRoutesTakeAnAssertionAndCountersOfZeroStay() throws {
        let s = try Self.stack.get()
        let (access, key, _) = try Self.enrol(s, "wa_ivy")
        // A second method, so webauthn can be deactivated without leaving the account bare.
        let app = try s.post("mfa/", #"{"method": "app"}"#, token: access)
        #expect(app.status == 201)
        // mfa/challenge/ gives options whose answer is the code of mfa/deactivate/.
        let options = try s.post("mfa/challenge/", #"{"method": "webauthn"}"#, token: access)
        #expect(options.string("session_id") != nil, "\(options.text)")
        let tampered = try key.get(options.text, embedSessionID: true, set: ["tamper_signature": "true"])
        #expect(try s.post("mfa/deactivate/", #"{"method": "webauthn", "code": \#(Self.quoted(tampered))}"#, token: access).text
                == #"{"non_field_errors":["Invalid OTP code"]}"#)
        let again = try s.post("mfa/challenge/", #"{"method": "webauthn"}"#, token: access)
        let answer = try key.get(again.text, embedSessionID: true, set: ["sign_count": "0"])
        #expect(try s.post("mfa/deactivate/", #"{"method": "webauthn", "code": \#(Self.quoted(answer))}"#, token: access).text
                == #"{"detail":"Deactivated MFA method"}"#)
        #expect(try s.get("mfa/", token: access).text.contains(#"{"name":"webauthn","is_primary":false,"is_active":false,"is_setup":true}"#))
        #expect(try s.get("webauthn/credentials/", token: access).text.contains(#""name":"Passkey""#),
                "deactivating keeps the keys")

        // A synced passkey without a counter (0 at registration, 0 in every assertion) keeps working.
        try s.createUser("wa_jack")
        let jack = try s.accessToken("wa_jack")
        let synced = try SoftAuthenticator(origin: Self.origin)
        let register = try s.post("webauthn/credentials/register_options/", "", token: jack).text
        #expect(try s.post("webauthn/credentials/", #"{"credential": \#(try synced.create(register, backup: true))}"#,
                           token: jack).status == 201)
        for _ in 0..<2 {
            let p = try s.post("passwordless/webauthn/initiate/", #"{"email": "wa_jack@example.com"}"#)
            let r = try s.post("passwordless/webauthn/verify/", #"{"credential": \#(try synced.get(p.text, set: ["sign_count": "0"])), "session_id": "\#(p.string("session_id")!)"}"#)
            #expect(r.status == 200, "\(r.text)")
        }
        // An inactive owner: refused with the reference's message.
        try s.cli(["user", "deactivate", "wa_jack"])
        let p = try s.post("passwordless/webauthn/initiate/", "{}")
        #expect(try s.post("passwordless/webauthn/verify/", #"{"credential": \#(try synced.get(p.text, set: ["sign_count": "0"])), "session_id": "\#(p.string("session_id")!)"}"#).text
                == #"{"non_field_errors":["User account is disabled."]}"#)
    }
}

/// WEBAUTHN_USER_VERIFICATION=required: keys must verify the user (PIN or biometric).
@Suite struct PasskeyUserVerificationTests {
    @Test func withoutUVNothingIsAccepted() throws {
        let s = try Stack(settings: PasskeyTests.settings.merging([
            "AUTHKIT_WEBAUTHN_USER_VERIFICATION": "required",
            "AUTHKIT_FRONTEND_BASE_URL": "https://app.example.com/", "AUTHKIT_PASSWORDLESS_EMAIL_LINK_PATH": "/sign-in/email",
        ]) { $1 })
        defer { s.stop() }
        try s.createUser("wa_kim")
        let access = try s.accessToken("wa_kim")
        let key = try SoftAuthenticator(origin: PasskeyTests.origin)
        let options = try s.post("webauthn/credentials/register_options/", "", token: access)
        #expect(options.text.contains(#""userVerification":"required"}"#))
        // UP and AT only (0x41): refused.
        #expect(try s.post("webauthn/credentials/", #"{"credential": \#(try key.create(options.text, set: ["flags": "65"]))}"#, token: access).text
                == #"["User verification is required but user was not verified during attestation"]"#)
        let retry = try s.post("webauthn/credentials/register_options/", "", token: access)
        #expect(try s.post("webauthn/credentials/", #"{"credential": \#(try key.create(retry.text))}"#, token: access).status == 201)
        let p = try s.post("passwordless/webauthn/initiate/", "{}")
        #expect(try s.post("passwordless/webauthn/verify/", #"{"credential": \#(try key.get(p.text, key: 1, set: ["flags": "1"])), "session_id": "\#(p.string("session_id")!)"}"#).status == 400)
        let p2 = try s.post("passwordless/webauthn/initiate/", "{}")
        #expect(try s.post("passwordless/webauthn/verify/", #"{"credential": \#(try key.get(p2.text, key: 1)), "session_id": "\#(p2.string("session_id")!)"}"#).status == 200)

        // With a link path the mail carries a link to the frontend (never to the Host asked for).
        _ = try s.http.post("passwordless/email/initiate/", json: #"{"email": "wa_kim@example.com"}"#,
                            headers: [("Host", "evil.example"), ("X-Forwarded-Host", "evil.example")])
        let mail = try #require(s.mailbox.message(0, to: "wa_kim@example.com"))
        #expect(mail.raw.contains("https://app.example.com/sign-in/email?token=") && !mail.raw.contains("evil.example"))
    }
}

/// Without the passkey settings nothing of it shows.
@Suite struct PasskeyOffTests {
    @Test func routesAndMethodListUnchanged() throws {
        let s = try Stack()
        defer { s.stop() }
        try s.createUser("plain")
        let token = try s.accessToken("plain")
        #expect(try s.get("mfa/", token: token).text == #"[{"name":"app","is_primary":false,"is_active":false,"is_setup":false},{"name":"email","is_primary":false,"is_active":false,"is_setup":false}]"#)
        #expect(try s.get("webauthn/credentials/", token: token).status == 404)
        #expect(try s.post("passwordless/webauthn/initiate/", "{}").status == 404)
        #expect(try s.post("passwordless/email/initiate/", #"{"email": "plain@example.com"}"#).status == 404)
        #expect(try s.post("mfa/", #"{"method": "webauthn"}"#, token: token).text
                == #"{"method":["\"webauthn\" is not a valid choice."]}"#)
    }
}
