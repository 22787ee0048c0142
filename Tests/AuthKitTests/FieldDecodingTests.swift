import Testing
@testable import AuthKit

@Suite struct FieldDecodingTests {
    let context = FieldContext(methodNames: ["app", "email"], settings: try! Settings.load(from: [:], requireDatabase: false))

    func decode<T: RequestBody>(_ type: T.Type, _ json: String) throws -> T {
        try T.decode(from: JSONParser.parse(Array(json.utf8)), context: context)
    }

    /// The body of the APIError thrown while decoding `json`, as compact JSON text.
    func errorBody<T: RequestBody>(_ type: T.Type, _ json: String) -> String? {
        do {
            _ = try decode(type, json)
            return nil
        } catch let error as APIError {
            #expect(error.status == .badRequest)
            return String(decoding: JSONWriter.encode(error.body), as: UTF8.self)
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func allFieldErrorsAtOnceInDeclarationOrder() {
        #expect(errorBody(LoginRequest.self, "{}") == #"{"username":["This field is required."],"password":["This field is required."]}"#)
        #expect(errorBody(LoginRequest.self, #"{"password":"","username":""}"#)
                == #"{"username":["This field may not be blank."],"password":["This field may not be blank."]}"#)
        #expect(errorBody(LoginRequest.self, #"{"username":null,"password":null}"#)
                == #"{"username":["This field may not be null."],"password":["This field may not be null."]}"#)
        #expect(errorBody(LoginRequest.self, #"{"username":["alice"],"password":{"p":1}}"#)
                == #"{"username":["Not a valid string."],"password":["Not a valid string."]}"#)
        #expect(errorBody(LoginRequest.self, #"{"username":true,"password":"x"}"#) == #"{"username":["Not a valid string."]}"#)
        #expect(errorBody(LoginRequest.self, #"{"username":"   ","password":"x"}"#) == #"{"username":["This field may not be blank."]}"#)
        #expect(errorBody(LoginRequest.self, #"{"username":"ali\u0000ce","password":"x"}"#) == #"{"username":["Null characters are not allowed."]}"#)
        #expect(errorBody(LoginRequest.self, #"{"username":"\ud800","password":"x"}"#)
                == #"{"username":["Surrogate characters are not allowed: U+D800."]}"#)
    }

    @Test func stringsAreTrimmedAndNumbersBecomeText() throws {
        let login = try decode(LoginRequest.self, #"{"username":"  alice \u00a0\u2003","password":12345,"extra":[1]}"#)
        #expect(login.username == "alice")
        #expect(login.password == "12345")
        let verify = try decode(LoginVerifyRequest.self, #"{"ephemeral_token":"t","code":1.50}"#)
        #expect(verify.code == "1.5")
    }

    @Test func nonObjectBodies() {
        #expect(errorBody(LoginRequest.self, "[]") == #"{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}"#)
        #expect(errorBody(LoginRequest.self, #""alice""#) == #"{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}"#)
        #expect(errorBody(LoginRequest.self, "12") == #"{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}"#)
        #expect(errorBody(LoginRequest.self, "1.5") == #"{"non_field_errors":["Invalid data. Expected a dictionary, but got float."]}"#)
        #expect(errorBody(LoginRequest.self, "true") == #"{"non_field_errors":["Invalid data. Expected a dictionary, but got bool."]}"#)
        #expect(errorBody(LoginRequest.self, "null") == #"{"non_field_errors":["No data provided"]}"#)
    }

    @Test func methodChoicesUsePythonText() {
        #expect(errorBody(MethodRequest.self, #"{"method":"sms"}"#) == #"{"method":["\"sms\" is not a valid choice."]}"#)
        #expect(errorBody(MethodRequest.self, #"{"method":"App"}"#) == #"{"method":["\"App\" is not a valid choice."]}"#)
        #expect(errorBody(MethodRequest.self, #"{"method":""}"#) == #"{"method":["\"\" is not a valid choice."]}"#)
        #expect(errorBody(MethodRequest.self, #"{"method":1}"#) == #"{"method":["\"1\" is not a valid choice."]}"#)
        #expect(errorBody(MethodRequest.self, #"{"method":["app"]}"#) == #"{"method":["\"['app']\" is not a valid choice."]}"#)
        #expect(errorBody(MethodRequest.self, #"{"method":" app"}"#) == #"{"method":["\" app\" is not a valid choice."]}"#)
        #expect(errorBody(MethodRequest.self, #"{"method":null}"#) == #"{"method":["This field may not be null."]}"#)
        #expect(errorBody(MethodRequest.self, #"{}"#) == #"{"method":["This field is required."]}"#)
        #expect(errorBody(MethodCodeRequest.self, #"{"method":"x","code":""}"#)
                == #"{"method":["\"x\" is not a valid choice."],"code":["This field may not be blank."]}"#)
    }

    @Test func choicesFollowConfiguration() throws {
        let onlyEmail = FieldContext(methodNames: ["email"], settings: context.settings)
        #expect(throws: APIError.self) {
            try MethodRequest.decode(from: .object(["method": "app"]), context: onlyEmail)
        }
        #expect(try MethodRequest.decode(from: .object(["method": "email"]), context: onlyEmail).method == MethodName("email"))
    }

    @Test func hugeValuesAreAccepted() throws {
        let long = String(repeating: "a", count: 100_000)
        #expect(try decode(LoginRequest.self, "{\"username\":\"\(long)\",\"password\":\"p\"}").username.count == 100_000)
    }
}

/// Request types may carry nested objects where a handler needs them (WebAuthn credentials).
@Suite struct NestedFieldTests {
    struct CredentialRequest: RequestBody {
        let credential: JSONObjectField
        let name: String
    }

    let context = FieldContext(methodNames: ["app"], settings: try! Settings.load(from: [:], requireDatabase: false))

    @Test func nestedObjectsDecodeAndOtherTypesAreRefusedAsDRFDoes() throws {
        let json = #"{"credential": {"id": "abc", "response": {"clientDataJSON": "e30", "transports": ["usb"]}}, "name": "key"}"#
        let request = try CredentialRequest.decode(from: JSONParser.parse(Array(json.utf8)), context: context)
        #expect(request.name == "key")
        guard case .object(let response)? = request.credential.value["response"] else {
            Issue.record("nested object lost")
            return
        }
        #expect(response["transports"] == ["usb"])
        for (body, message) in [(#"{"credential": "x", "name": "k"}"#, #"Expected a dictionary of items but got type \"str\"."#),
                                (#"{"credential": [1], "name": "k"}"#, #"Expected a dictionary of items but got type \"list\"."#),
                                (#"{"credential": null, "name": "k"}"#, "This field may not be null."),
                                (#"{"name": "k"}"#, "This field is required.")] {
            do {
                _ = try CredentialRequest.decode(from: JSONParser.parse(Array(body.utf8)), context: context)
                Issue.record("accepted \(body)")
            } catch let error as APIError {
                #expect(String(decoding: JSONWriter.encode(error.body), as: UTF8.self) == #"{"credential":["\#(message)"]}"#)
            }
        }
    }
}
