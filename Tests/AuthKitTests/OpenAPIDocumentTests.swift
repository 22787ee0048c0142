import Testing
@testable import AuthKit
import TestSupport

@Suite struct OpenAPIDocumentTests {
    static func app(_ env: [String: String] = [:]) -> Application {
        Application(settings: try! Settings.load(from: env, requireDatabase: false))
    }

    /// Fails when a route or verb exists without a schema entry, or the reverse.
    @Test func everyRouteHasAnOperationAndEveryOperationARoute() {
        let app = Self.app()
        var routed = Set<String>()
        for route in app.router.allRoutes {
            for method in route.handlers.keys { routed.insert("\(method.name) /api/auth/\(route.name)") }
        }
        let documented = Set(app.openAPI.operations.map { "\($0.method) \($0.path)" })
        #expect(routed.subtracting(documented).isEmpty, "routes without a schema entry: \(routed.subtracting(documented).sorted())")
        #expect(documented.subtracting(routed).isEmpty, "schema entries without a route: \(documented.subtracting(routed).sorted())")
        #expect(documented.count == 30)
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

    @Test func everyReferenceResolves() {
        let doc = Self.app().openAPI.document
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

    @Test func violationsAreReported() {
        #expect(check("GET", "/api/auth/mfa/", 200, #"[{"name":"app","is_primary":"no","is_active":false,"is_setup":false}]"#).count == 1)
        #expect(check("GET", "/api/auth/mfa/", 200, #"[{"name":"app","is_active":false,"is_setup":false}]"#).count == 1, "missing is_primary")
        #expect(check("GET", "/api/auth/mfa/", 418, "{}").first?.contains("not documented") == true)
        #expect(check("GET", "/api/auth/mfa/", 200, "[]", type: "text/html").first?.contains("content type") == true)
        #expect(check("POST", "/api/auth/mfa/confirm/", 200, #"{"detail":"ok","code":"123456"}"#).first?.contains("writeOnly") == true)
        #expect(check("POST", "/api/auth/login/", 200, #"{"ephemeral_token":"t","method":"sms","mfa_enabled":true}"#).isEmpty == false,
                "a method outside the enum matches neither first-step shape")
        #expect(check("POST", "/api/auth/token/verify/", 200, #"{"x":1}"#).count == 1)
        #expect(check("POST", "/api/auth/login/verify/", 200, #"{"access":"a","refresh":"","access_expiration":"yesterday","refresh_expiration":"2026-01-01T00:00:00.000000Z","user":{"pk":1,"username":"u","email":""}}"#).count == 1)
        #expect(check("DELETE", "/api/auth/mfa/", 200, "[]").first?.contains("no such operation") == true)
    }
}
