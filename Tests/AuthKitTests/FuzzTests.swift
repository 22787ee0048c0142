import Testing
import TestSupport
@testable import AuthKit

/// Hostile input for the decoders: nothing may crash, and every failure is a typed, rendered error.
@Suite struct FuzzTests {
    @Test func jsonParserSurvivesMutationsAndRoundTrips() {
        var rng = SplitMix64(seed: 0xA17_4B17)
        var parsed = 0
        for i in 0..<20_000 {
            let input = Fuzz.mutate(Array(Fuzz.seeds[i % Fuzz.seeds.count].utf8), &rng)
            guard let value = try? JSONParser.parse(input) else { continue }
            parsed += 1
            // Property: what we write, we read back unchanged (a lone surrogate is written as U+FFFD).
            let again = try? JSONParser.parse(JSONWriter.encode(value))
            #expect(again.map(Self.withoutSurrogates) == Self.withoutSurrogates(value), "round trip, input #\(i)")
        }
        #expect(parsed > 100, "the mutations also produced valid documents")
    }

    static func withoutSurrogates(_ v: JSONValue) -> JSONValue {
        switch v {
        case .surrogateString(let text, _): return .string(text)
        case .array(let items): return .array(items.map(withoutSurrogates))
        case .object(let o):
            var copy = JSONObject()
            for (k, x) in o.entries { copy.append(k, withoutSurrogates(x)) }
            return .object(copy)
        default: return v
        }
    }

    @Test func bodyParserAcceptsOrRejectsWithAnAPIError() {
        var rng = SplitMix64(seed: 0xB0D1)
        let types: [String?] = [nil, "", "application/json", "application/json; charset=latin-1", "application/json; charset=klingon",
                                "application/x-www-form-urlencoded", "multipart/form-data; boundary=B", "multipart/form-data",
                                "text/plain", "*/*", "application/*", "garbage"]
        for i in 0..<10_000 {
            var body = Fuzz.mutate(Array(Fuzz.seeds[i % Fuzz.seeds.count].utf8), &rng)
            if i % 7 == 0 { body = Array("--B\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n".utf8) + body }
            let request = HTTPRequest(method: .post, path: "/", contentType: types.randomElement(using: &rng)!, body: body)
            do {
                _ = try BodyParser.parse(request)
            } catch {
                #expect([400, 415].contains(error.status.code), "#\(i)")
            }
        }
    }

    @Test func everyRequestTypeDecodesOrReportsFieldErrors() throws {
        var rng = SplitMix64(seed: 0xF1E1D)
        let settings = try Settings.load(from: ["AUTHKIT_MFA_UPDATE_PRIMARY_METHOD_REQUIRED_PRIMARY_CODE": "true"], requireDatabase: false)
        let context = FieldContext(methodNames: ["app", "email"], settings: settings)
        let decoders: [(JSONValue, FieldContext) throws -> Void] = [
            { _ = try LoginRequest.decode(from: $0, context: $1) }, { _ = try LoginVerifyRequest.decode(from: $0, context: $1) },
            { _ = try LoginChangeMethodRequest.decode(from: $0, context: $1) }, { _ = try EphemeralTokenRequest.decode(from: $0, context: $1) },
            { _ = try TokenVerifyRequest.decode(from: $0, context: $1) }, { _ = try TokenRefreshRequest.decode(from: $0, context: $1) },
            { _ = try MethodRequest.decode(from: $0, context: $1) }, { _ = try MethodCodeRequest.decode(from: $0, context: $1) },
            { _ = try MFAPrimaryRequest.decode(from: $0, context: $1) }, { _ = try MFADeleteRequest.decode(from: $0, context: $1) },
            { _ = try UserUpdateRequest.decode(from: $0, context: $1) },
        ]
        for i in 0..<3_000 {
            guard let value = try? JSONParser.parse(Array(Fuzz.value(&rng).utf8)) else { continue }
            for (n, decode) in decoders.enumerated() {
                do {
                    try decode(value, context)
                } catch let error as APIError {
                    #expect(error.status == .badRequest, "#\(i) decoder \(n)")
                } catch {
                    Issue.record("#\(i) decoder \(n): unexpected \(error)")
                }
            }
        }
    }
}
