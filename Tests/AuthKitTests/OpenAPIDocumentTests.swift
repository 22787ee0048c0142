import Foundation
import Testing
@testable import AuthKit
import TestSupport

@Suite struct OpenAPIDocumentTests {
    static func app(_ env: [String: String] = [:]) -> Application {
        Application(settings: try! Settings.load(from: env, requireDatabase: false))
    }

    /// Passkeys as MFA method and both passwordless ways: every optional route is served.
    static let everything = ["AUTHKIT_MFA_HANDLERS": "app,email,webauthn", "AUTHKIT_WEBAUTHN_RP_ID": "localhost",
                             "AUTHKIT_WEBAUTHN_ORIGIN": "http://localhost:8000", "AUTHKIT_USE_PASSWORDLESS": "true"]

    /// "VERB path" of every route of `app`, and of every operation of its document.
    static func routedAndDocumented(_ app: Application) -> (routed: Set<String>, documented: Set<String>) {
        var routed = Set<String>()
        for route in app.router.allRoutes {
            for method in route.handlers.keys { routed.insert("\(method.name) /api/auth/\(route.name)") }
        }
        return (routed, Set(app.openAPI.operations.map { "\($0.method) \($0.path)" }))
    }

    /// Fails when a route or verb exists without a schema entry, or the reverse.
    @Test func everyRouteHasAnOperationAndEveryOperationARoute() {
        let (routed, documented) = Self.routedAndDocumented(Self.app())
        #expect(routed.subtracting(documented).isEmpty, "routes without a schema entry: \(routed.subtracting(documented).sorted())")
        #expect(documented.subtracting(routed).isEmpty, "schema entries without a route: \(documented.subtracting(routed).sorted())")
        #expect(documented.count == 30)
    }

    /// The passkey and passwordless operations are documented exactly where they are routed.
    @Test(arguments: [
        (OpenAPIDocumentTests.everything, 39),
        (["AUTHKIT_MFA_HANDLERS": "app,email,webauthn", "AUTHKIT_WEBAUTHN_RP_ID": "localhost",
          "AUTHKIT_WEBAUTHN_ORIGIN": "http://localhost:8000"], 35),
        (["AUTHKIT_USE_PASSWORDLESS": "true", "AUTHKIT_PASSWORDLESS_HANDLERS": "email"], 32),
        (["AUTHKIT_USE_PASSWORDLESS": "true", "AUTHKIT_PASSWORDLESS_HANDLERS": "webauthn", "AUTHKIT_WEBAUTHN_RP_ID": "localhost",
          "AUTHKIT_WEBAUTHN_ORIGIN": "http://localhost:8000"], 32),
        (["AUTHKIT_USE_PASSWORDLESS": "false", "AUTHKIT_PASSWORDLESS_HANDLERS": "email,webauthn"], 30),
    ])
    func optionalRoutesAreDocumentedWhereServed(_ env: [String: String], _ count: Int) {
        let (routed, documented) = Self.routedAndDocumented(Self.app(env))
        #expect(routed == documented, "routed only: \(routed.subtracting(documented).sorted()); documented only: \(documented.subtracting(routed).sorted())")
        #expect(documented.count == count)
    }

    /// With everything configured: drf-auth-kit's operation ids for the new routes, and the
    /// webauthn shapes of the MFA routes.
    @Test func passkeyAndPasswordlessOperationsKeepTheReferenceNames() throws {
        let doc = Self.app(Self.everything).openAPI.document
        guard case .object(let root) = doc, case .object(let paths)? = root["paths"],
              case .object(let components)? = root["components"], case .object(let schemas)? = components["schemas"] else {
            Issue.record("document shape")
            return
        }
        func operationID(_ method: String, _ path: String) -> String? {
            guard case .object(let item)? = paths["/api/auth/" + path], case .object(let op)? = item[method],
                  case .string(let id)? = op["operationId"] else { return nil }
            return id
        }
        #expect(operationID("get", "webauthn/credentials/") == "auth_webauthn_credentials_list")
        #expect(operationID("post", "webauthn/credentials/") == "auth_webauthn_credentials_create")
        #expect(operationID("delete", "webauthn/credentials/{id}/") == "auth_webauthn_credentials_destroy")
        #expect(operationID("patch", "webauthn/credentials/{id}/rename/") == "auth_webauthn_credentials_rename_partial_update")
        #expect(operationID("post", "webauthn/credentials/register_options/") == "auth_webauthn_credentials_register_options_create")
        #expect(operationID("post", "passwordless/email/initiate/") == "passwordless_email_initiate")
        #expect(operationID("post", "passwordless/email/verify/") == "passwordless_email_verify")
        #expect(operationID("post", "passwordless/webauthn/initiate/") == "passwordless_webauthn_initiate")
        #expect(operationID("post", "passwordless/webauthn/verify/") == "passwordless_webauthn_verify")
        let names = ["AttestationEnum", "AuthenticatorSelection", "EmailLinkInitiate", "PasswordlessEmailVerify",
                     "PasswordlessWebauthnVerify", "PatchedWebAuthnCredentialUpdate", "PubKeyCredParam",
                     "PublicKeyCredentialDescriptor", "PublicKeyCredentialUser", "RelyingParty", "ResidentKeyEnum",
                     "TransportsEnum", "TypeEnum", "UserVerificationEnum", "WebAuthnCredential", "WebAuthnCredentialCreate",
                     "WebAuthnCredentialUpdate", "WebAuthnInitiate", "WebAuthnMFASetup", "WebAuthnRegistrationOptions"]
        for name in names { #expect(schemas[name] != nil, "\(name)") }
        #expect(schemas["MFAMethodSetupData"] == .object(["oneOf": [.object(["$ref": "#/components/schemas/AppSetup"]),
                                                                    .object(["$ref": "#/components/schemas/SetupMethod"]),
                                                                    .object(["$ref": "#/components/schemas/WebAuthnMFASetup"])]]))
        #expect(schemas["MethodEnum"] == .object(["enum": ["app", "email", "webauthn"], "type": "string"]))
    }

    /// Without passkeys and passwordless sign-in, the document does not mention them.
    @Test func unservedShapesAreLeftOut() {
        let text = String(decoding: Self.app().openAPI.json, as: UTF8.self)
        // Component names are quoted at their start (descriptions may say "WebAuthn").
        for absent in ["/webauthn/", "/passwordless/", #""WebAuthn"#, #""Passwordless"#, #""EmailLinkInitiate""#, #""TransportsEnum""#] {
            #expect(!text.contains(absent), "\(absent)")
        }
        // The passwordless email link alone: its shapes, none of the passkey ones.
        let email = String(decoding: Self.app(["AUTHKIT_USE_PASSWORDLESS": "true", "AUTHKIT_PASSWORDLESS_HANDLERS": "email"]).openAPI.json,
                           as: UTF8.self)
        #expect(email.contains(#""PasswordlessEmailVerify":"#) && email.contains(#""EmailLinkInitiate":"#))
        #expect(!email.contains(#""WebAuthn"#) && !email.contains("/webauthn/"))
    }

    /// drf-auth-kit's operation ids and component names, kept where the operation exists here.
    @Test func referenceOperationIdsAndComponentNamesAreKept() throws {
        let doc = Self.app().openAPI.document
        var ids: [String] = []
        guard case .object(let root) = doc, case .object(let paths)? = root["paths"],
              case .object(let components)? = root["components"], case .object(let schemas)? = components["schemas"] else {
            Issue.record("document shape")
            return
        }
        for path in paths.entries {
            guard case .object(let item) = path.value else { continue }
            for op in item.entries {
                guard case .object(let o) = op.value, case .string(let id)? = o["operationId"] else { continue }
                ids.append(id)
            }
        }
        #expect(Set(ids).count == ids.count, "operation ids are unique")
        let reference = ["auth_login_create", "auth_login_challenge_create", "auth_login_change_method_create", "auth_login_resend_create",
                         "auth_login_verify_create", "auth_logout_create", "auth_mfa_list", "auth_mfa_create", "auth_mfa_challenge_create",
                         "auth_mfa_confirm_create", "auth_mfa_deactivate_create", "auth_mfa_delete_create", "auth_mfa_primary_create",
                         "auth_mfa_send_create", "auth_token_refresh_create", "auth_token_verify_create", "auth_user_retrieve",
                         "auth_user_update", "auth_user_partial_update",
                         "auth_password_change_create", "auth_password_reset_create", "auth_password_reset_confirm_create",
                         "auth_registration_create", "auth_registration_verify_email_create",
                         "auth_registration_verify_email_retrieve", "auth_registration_resend_email_create"]
        #expect(Set(reference).subtracting(ids).isEmpty)
        let names = ["AppSetup", "CookieTokenRefresh", "FirstStepResponse", "JWTLogout", "MFAChangeMethod", "MFAFirstStep",
                     "MFAFirstStepResponse", "MFALoginChallenge", "MFAMethodChallenge", "MFAMethodConfig", "MFAMethodConfirm",
                     "MFAMethodCreate", "MFAMethodDeactivate", "MFAMethodDelete", "MFAMethodPrimaryUpdate", "MFAMethodSendCode",
                     "MFAMethodSetupData", "MFAResend", "MFASecondStep", "MethodEnum", "NewMethodEnum", "NoMFALoginResponse",
                     "PatchedUser", "SetupMethod", "TokenVerify", "User", "PasswordChange", "PasswordReset",
                     "PasswordResetConfirm", "Register", "VerifyEmail", "ResendEmailVerification"]
        for name in names { #expect(schemas[name] != nil, "\(name)") }
        // The polymorphic shapes: setup data per handler, first step with and without MFA.
        #expect(schemas["MFAMethodSetupData"] == .object(["oneOf": [.object(["$ref": "#/components/schemas/AppSetup"]),
                                                                    .object(["$ref": "#/components/schemas/SetupMethod"])]]))
        #expect(schemas["FirstStepResponse"] == .object(["oneOf": [.object(["$ref": "#/components/schemas/MFAFirstStepResponse"]),
                                                                   .object(["$ref": "#/components/schemas/NoMFALoginResponse"])]]))
    }

    /// What generated clients need (openapi-python-client, GeneratedClientTests): one media type
    /// per request body (it cannot emit several: `NameError: Unset`), body components without
    /// read-only properties (it ignores readOnly, so a required one had to be sent), answer
    /// components without write-only ones (it ignores writeOnly, so a required one failed to parse).
    @Test(arguments: [[:], OpenAPIDocumentTests.everything])
    func requestAndAnswerComponentsAreSplit(_ env: [String: String]) throws {
        guard case .object(let root) = Self.app(env).openAPI.document, case .object(let paths)? = root["paths"],
              case .object(let components)? = root["components"],
              case .object(let schemas)? = components["schemas"] else {
            Issue.record("document shape")
            return
        }
        let prefix = "#/components/schemas/"
        func references(_ value: JSONValue) -> [String] {
            switch value {
            case .object(let o):
                if case .string(let ref)? = o["$ref"], ref.hasPrefix(prefix) {
                    return [String(ref.dropFirst(prefix.count))]
                }
                return o.entries.flatMap { references($0.value) }
            case .array(let a): return a.flatMap(references)
            default: return []
            }
        }
        func flagged(_ name: String, _ flag: String) -> [String] {
            guard case .object(let schema)? = schemas[name], case .object(let properties)? = schema["properties"] else {
                return []
            }
            return properties.entries.compactMap { entry in
                guard case .object(let p) = entry.value, p[flag] == .bool(true) else { return nil }
                return entry.key
            }
        }
        var bodies = Set<String>(), answers = references(components["responses"] ?? .null)
        for item in paths.entries {
            guard case .object(let operations) = item.value else { continue }
            for op in operations.entries {
                guard case .object(let o) = op.value else { continue }
                answers += references(o["responses"] ?? .null)
                guard case .object(let body)? = o["requestBody"], case .object(let content)? = body["content"] else {
                    continue
                }
                #expect(content.entries.map(\.key) == ["application/json"], "\(op.key) \(item.key)")
                bodies.formUnion(references(body["content"]!))
            }
        }
        #expect(bodies.count > 20)
        for name in bodies {
            #expect(flagged(name, "readOnly") == [], "\(name): read-only properties in a request body")
        }
        // Every schema an answer reaches, directly or nested.
        var reached = Set<String>()
        while let name = answers.popLast() {
            if reached.insert(name).inserted, let schema = schemas[name] { answers += references(schema) }
        }
        #expect(reached.isSuperset(of: ["MFASecondStep", "User", "MFAMethodConfirm", "FirstStepResponse"]))
        for name in reached { #expect(flagged(name, "writeOnly") == [], "\(name): write-only properties in an answer") }
        #expect(schemas["MFASecondStepRequest"] != nil && schemas["UserRequest"] != nil)
    }

    @Test(arguments: [[:], OpenAPIDocumentTests.everything])
    func everyReferenceResolves(_ env: [String: String]) {
        let doc = Self.app(env).openAPI.document
        let validator = SchemaValidatorProbe(doc)
        var refs: [String] = []
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let o):
                if case .string(let r)? = o["$ref"] { refs.append(r) }
                for e in o.entries { walk(e.value) }
            case .array(let a): a.forEach(walk)
            default: break
            }
        }
        walk(doc)
        #expect(refs.count > 100)
        for ref in Set(refs) { #expect(validator.resolves(ref), "\(ref)") }
    }

    @Test func settingsShapeTheDocument() {
        let app = Self.app(["AUTHKIT_BASE_PATH": "/auth/", "AUTHKIT_MFA_HANDLERS": "email", "AUTHKIT_AUTH_JWT_COOKIE_NAME": "jwt"])
        let text = String(decoding: app.openAPI.json, as: UTF8.self)
        #expect(text.contains(#""/auth/login/":"#))
        #expect(!text.contains("/api/auth/"))
        #expect(text.contains(#""MethodEnum":{"enum":["email"],"type":"string"}"#))
        #expect(text.contains(#""name":"jwt""#))
        for placeholder in ["@METHODS@", "@VERSION@", "@ACCESS_COOKIE@"] { #expect(text.range(of: placeholder) == nil, "\(placeholder) left") }
        #expect(text.contains(#""version":"\#(Version.string)""#))
    }

    @Test func yamlQuotesWhatYAMLWouldMisread() {
        let yaml = String(decoding: YAMLWriter.encode(.object(["200": .object(["a": "x: y", "$ref": "#/c"]), "on": true, "list": [1, "two"], "e": .object(JSONObject())])), as: UTF8.self)
        #expect(yaml == """
            "200":
              a: "x: y"
              "$ref": "#/c"
            "on": true
            list:
              - 1
              - "two"
            e: {}

            """)
    }
}

/// Resolves `#/...` pointers in a document.
struct SchemaValidatorProbe {
    let doc: JSONValue
    init(_ doc: JSONValue) { self.doc = doc }
    func resolves(_ ref: String) -> Bool {
        guard ref.hasPrefix("#/") else { return false }
        var node = doc
        for part in ref.dropFirst(2).split(separator: "/") {
            guard case .object(let o) = node, let next = o[String(part)] else { return false }
            node = next
        }
        return true
    }
}

@Suite struct SchemaValidatorTests {
    let validator = SchemaValidator(document: OpenAPIDocumentTests.app().openAPI.document)

    func check(_ method: String, _ path: String, _ status: Int, _ body: String, type: String? = "application/json") -> [String] {
        validator.check(method: method, path: path, status: status, contentType: type, body: Array(body.utf8))
    }

    @Test func conformingResponsesPass() {
        #expect(check("GET", "/api/auth/mfa/", 200, #"[{"name":"app","is_primary":false,"is_active":false,"is_setup":false}]"#) == [])
        #expect(check("POST", "/api/auth/login", 400, #"{"non_field_errors":["Unable to log in with provided credentials."]}"#) == [])
        #expect(check("POST", "/api/auth/login/", 400, #"{"detail":"JSON parse error - Expecting value: line 1 column 1 (char 0)"}"#) == [])
        #expect(check("POST", "/api/auth/mfa/delete/", 204, "", type: nil) == [])
    }

    /// The answers of the passkey and passwordless routes (docs/api.md §13–§14) and the
    /// webauthn answers of the MFA routes.
    @Test func passkeyAndPasswordlessAnswersPass() {
        let validator = SchemaValidator(document: OpenAPIDocumentTests.app(OpenAPIDocumentTests.everything).openAPI.document)
        func check(_ method: String, _ path: String, _ status: Int, _ body: String, type: String? = "application/json") -> [String] {
            validator.check(method: method, path: "/api/auth/" + path, status: status, contentType: type, body: Array(body.utf8))
        }
        let key = #"{"id":3,"name":"Passkey","discoverable":false,"transports":["internal"],"aaguid":"00000000-0000-0000-0000-000000000000","created_at":"2026-12-06T16:01:58.033396Z","last_used_at":"2026-12-06T16:02:02.704098Z"}"#
        let fresh = #"{"id":5,"name":"My laptop","discoverable":true,"transports":[],"aaguid":"adce0002-35bc-c60a-648b-0b25f1f05503","created_at":"2026-12-06T16:01:58.033396Z","last_used_at":null}"#
        let creation = #"{"rp":{"name":"Example","id":"localhost"},"user":{"id":"Mw","name":"alice","displayName":"alice"},"challenge":"QWhoC8Fw","pubKeyCredParams":[{"type":"public-key","alg":-7},{"type":"public-key","alg":-257}],"timeout":60000,"excludeCredentials":[{"id":"l0Nv","type":"public-key"},{"id":"x1","type":"public-key","transports":["usb","nfc"]}],"authenticatorSelection":{"residentKey":"preferred","requireResidentKey":false,"userVerification":"preferred"},"attestation":"none"}"#
        let request = #"{"challenge":"pgX5","timeout":60000,"rpId":"localhost","allowCredentials":[{"id":"l0Nv","type":"public-key","transports":["internal"]}],"userVerification":"preferred","session_id":"ZnLg"}"#
        let tokens = #""access":"a","refresh":"","access_expiration":"2026-12-06T16:06:58.033396Z","refresh_expiration":"2026-12-07T16:01:58.033396Z","user":{"pk":3,"username":"alice","email":"alice@example.com","first_name":"","last_name":""}"#
        let secondStep = #"{"ephemeral_token":"3-email-tpmsoa-c144","method":"email","mfa_enabled":true}"#
        #expect(check("GET", "webauthn/credentials/", 200, "[\(key),\(fresh)]") == [])
        #expect(check("POST", "webauthn/credentials/", 201, fresh) == [])
        #expect(check("POST", "webauthn/credentials/", 400, #"["Registration challenge expired or not found."]"#) == [])
        #expect(check("POST", "webauthn/credentials/", 400, #"{"credential":["This field is required."]}"#) == [])
        #expect(check("POST", "webauthn/credentials/register_options/", 200, creation) == [])
        #expect(check("DELETE", "webauthn/credentials/{id}/", 204, "", type: nil) == [])
        #expect(check("DELETE", "webauthn/credentials/{id}/", 404, #"{"detail":"No WebAuthnCredential matches the given query."}"#) == [])
        #expect(check("DELETE", "webauthn/credentials/{id}/", 400, #"{"detail":"Cannot delete the last passkey while WebAuthn is the primary MFA method."}"#) == [])
        #expect(check("PATCH", "webauthn/credentials/{id}/rename/", 200, #"{"detail":"Credential renamed."}"#) == [])
        #expect(check("PATCH", "webauthn/credentials/{id}/rename/", 400, #"{"name":["This field may not be blank."]}"#) == [])
        #expect(check("GET", "webauthn/credentials/", 401, #"{"detail":"Authentication credentials were not provided."}"#) == [])
        #expect(check("POST", "passwordless/webauthn/initiate/", 200, request) == [])
        #expect(check("POST", "passwordless/webauthn/verify/", 200, "{\(tokens)}") == [])
        #expect(check("POST", "passwordless/webauthn/verify/", 200, secondStep) == [])
        #expect(check("POST", "passwordless/webauthn/verify/", 400, #"{"non_field_errors":["WebAuthn authentication failed."]}"#) == [])
        #expect(check("POST", "passwordless/webauthn/verify/", 429, #"{"detail":"Request was throttled. Expected available in 60 seconds."}"#) == [])
        #expect(check("POST", "passwordless/email/initiate/", 200, #"{"detail":"A login link has been sent."}"#) == [])
        #expect(check("POST", "passwordless/email/verify/", 200, #"{\#(tokens),"mfa_enabled":false}"#) == [])
        #expect(check("POST", "passwordless/email/verify/", 200, secondStep.replacingOccurrences(of: "email", with: "webauthn")) == [])
        #expect(check("POST", "passwordless/email/verify/", 400, #"{"non_field_errors":["Invalid or expired token."]}"#) == [])
        #expect(check("POST", "mfa/", 201, #"{"method":"webauthn","backup_codes":["XR3A6K0F34SH"],"setup_data":{"options":\#(creation)}}"#) == [])
        let app = #"{"method":"app","backup_codes":["XR3A6K0F34SH"],"setup_data":"#
        #expect(check("POST", "mfa/", 201, app + #"{"qr_link":"otpauth://x","qr_svg":"<svg/>","secret":"S"}}"#) == [])
        // qr_svg is left out only for a URI too long for a QR code; secret is always there.
        #expect(check("POST", "mfa/", 201, app + #"{"qr_link":"otpauth://x","secret":"S"}}"#) == [])
        #expect(check("POST", "login/challenge/", 200, request) == [])
        #expect(check("POST", "login/challenge/", 200, "{}") == [])
        #expect(check("POST", "mfa/challenge/", 200, request) == [])

        // And what does not conform.
        #expect(check("GET", "webauthn/credentials/", 200, #"[{"id":"3","name":"Passkey"}]"#).isEmpty == false)
        #expect(check("POST", "webauthn/credentials/", 201, fresh.replacingOccurrences(of: "null", with: "5")).isEmpty == false)
        #expect(check("POST", "webauthn/credentials/", 201, fresh.replacingOccurrences(of: #"[]"#, with: #"["carrier-pigeon"]"#)).isEmpty == false)
        #expect(check("POST", "passwordless/email/verify/", 200, "{\(tokens)}").isEmpty == false, "the email route's full login has mfa_enabled")
        #expect(check("POST", "passwordless/webauthn/verify/", 200, #"{"ephemeral_token":"t","method":"webauthn"}"#).isEmpty == false)
        #expect(check("POST", "login/challenge/", 200, #"{"challenge":"pgX5"}"#).isEmpty == false)
        let wrong = #"{"qr_link":"otpauth://x","qr_svg":5,"secret":"S"}}"#
        #expect(check("POST", "mfa/", 201, app + wrong).isEmpty == false)
        #expect(check("POST", "mfa/", 201, app + #"{"qr_link":"otpauth://x"}}"#).isEmpty == false, "no secret")
        #expect(check("POST", "passwordless/webauthn/initiate/", 200, request.replacingOccurrences(of: #","session_id":"ZnLg""#, with: "")).isEmpty == false)
    }

    /// Without the webauthn method, the MFA routes' answers are only the code-based ones.
    @Test func withoutPasskeysChallengesAreEmpty() {
        #expect(check("POST", "/api/auth/login/challenge/", 200, "{}") == [])
        #expect(check("POST", "/api/auth/login/challenge/", 200, #"{"challenge":"pgX5","timeout":60000,"rpId":"localhost","allowCredentials":[],"userVerification":"preferred","session_id":"ZnLg"}"#).isEmpty == false)
        #expect(check("POST", "/api/auth/webauthn/credentials/", 201, "{}").first?.contains("no such path") == true)
    }

    @Test func violationsAreReported() {
        #expect(check("GET", "/api/auth/mfa/", 200, #"[{"name":"app","is_primary":"no","is_active":false,"is_setup":false}]"#).count == 1)
        #expect(check("GET", "/api/auth/mfa/", 200, #"[{"name":"app","is_active":false,"is_setup":false}]"#).count == 1, "missing is_primary")
        #expect(check("GET", "/api/auth/mfa/", 418, "{}").first?.contains("not documented") == true)
        #expect(check("GET", "/api/auth/mfa/", 200, "[]", type: "text/html").first?.contains("content type") == true)
        // The served components split requests from answers (XRequest), so none has a writeOnly
        // property left: the rule is checked on a document of its own.
        let writeOnly = SchemaValidator(document: try! JSONParser.parse(Array(#"""
            {"paths":{"/api/auth/x/":{"post":{"responses":{"200":{"content":{"application/json":{"schema":{"type":"object",
            "properties":{"detail":{"type":"string"},"code":{"type":"string","writeOnly":true}},"required":["detail","code"]}}}}}}}}}
            """#.utf8)))
        #expect(writeOnly.check(method: "POST", path: "/api/auth/x/", status: 200, contentType: "application/json",
                                body: Array(#"{"detail":"ok"}"#.utf8)) == [])
        #expect(writeOnly.check(method: "POST", path: "/api/auth/x/", status: 200, contentType: "application/json",
                                body: Array(#"{"detail":"ok","code":"123456"}"#.utf8)).first?.contains("writeOnly") == true)
        #expect(check("POST", "/api/auth/login/", 200, #"{"ephemeral_token":"t","method":"sms","mfa_enabled":true}"#).isEmpty == false,
                "a method outside the enum matches neither first-step shape")
        #expect(check("POST", "/api/auth/token/verify/", 200, #"{"x":1}"#).count == 1)
        #expect(check("POST", "/api/auth/login/verify/", 200, #"{"access":"a","refresh":"","access_expiration":"yesterday","refresh_expiration":"2026-01-01T00:00:00.000000Z","user":{"pk":1,"username":"u","email":""}}"#).count == 1)
        #expect(check("DELETE", "/api/auth/mfa/", 200, "[]").first?.contains("no such operation") == true)
    }
}
