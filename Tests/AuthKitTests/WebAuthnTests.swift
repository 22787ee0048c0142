import CryptoCore
import FIDO
import Foundation
import Testing
import TestSupport
@testable import AuthKit

/// The passkey verification core against registrations and an assertion drf-auth-kit 1.8.1
/// accepted (Tests/Fixtures/webauthn), tampered copies of them, and random mutations.
@Suite struct WebAuthnTests {
    static let origins = ["http://localhost:8104"]

    // MARK: - Registration

    @Test func acceptsTheRecordedES256NoneRegistration() throws {
        let fixture = try Self.fixture("registration_es256_none.json")
        let verified = try RegistrationVerifier.verify(
            credential: Self.json(fixture["credential"]), expectedChallenge: Self.challenge(fixture),
            origins: Self.origins, rpID: "localhost", requireUserVerification: true)
        let parsed = fixture["expected"] as? [String: Any] ?? [:]
        #expect(verified.algorithm == .es256)
        #expect(verified.attestationFormat == "none")
        #expect(Base64.encodeURL(verified.credentialID) == "l0Nvqh-n_pIq55s_lns226j2Um5dA6Bbii53IGHuegA")
        #expect(Hex.encode(verified.publicKey) == parsed["cose_public_key_hex"] as? String)
        #expect(verified.signCount == 0)
        #expect(verified.flags.rawValue == 0x45)
        #expect(verified.aaguidString == "00000000-0000-0000-0000-000000000000")
    }

    @Test func acceptsTheRecordedRegistrationAsAString() throws {
        let fixture = try Self.fixture("registration_es256_none.json")
        let body = fixture["request_body"] as? [String: Any] ?? [:]
        let code = try #require(body["code"] as? String)
        let verified = try RegistrationVerifier.verify(
            credentialJSON: Array(code.utf8), expectedChallenge: Self.challenge(fixture), origins: Self.origins,
            rpID: "localhost", requireUserVerification: false)
        #expect(verified.algorithm == .es256)
    }

    @Test func acceptsTheRecordedEdDSAPackedSelfAttestation() throws {
        let fixture = try Self.fixture("registration_eddsa_packed.json")
        let body = fixture["request_body"] as? [String: Any] ?? [:]
        let verified = try RegistrationVerifier.verify(
            credential: Self.json(body["credential"]), expectedChallenge: Self.challenge(fixture),
            origins: Self.origins, rpID: "localhost", requireUserVerification: true)
        #expect(verified.algorithm == .eddsa)
        #expect(verified.attestationFormat == "packed")
        #expect(verified.flags.contains([.userPresent, .userVerified, .backupEligible, .backedUp]))
        #expect(Base64.encodeURL(verified.credentialID) == "i2qY6BVWp0osNTQi6lW3szqcgs4LnxgRhR9PQzJhDrw")
    }

    @Test func refusesTamperedRegistrations() throws {
        let fixture = try Self.fixture("registration_es256_none.json")
        let credential = try Self.json(fixture["credential"])
        let challenge = try Self.challenge(fixture)
        func attempt(
            _ credential: JSONValue, challenge: [UInt8]? = nil, origins: [String] = Self.origins,
            rpID: String = "localhost"
        ) -> WebAuthnError? {
            do {
                _ = try RegistrationVerifier.verify(
                    credential: credential, expectedChallenge: challenge ?? Self.challengeBytes(fixture),
                    origins: origins, rpID: rpID, requireUserVerification: false)
                return nil
            } catch { return error }
        }
        #expect(attempt(credential, challenge: challenge + [0]) == .challengeMismatch)
        #expect(attempt(credential, origins: ["https://localhost:8104"]) == .originMismatch("http://localhost:8104"))
        #expect(attempt(credential, rpID: "example.com") == .rpIDMismatch)
        // Flags: clear UP (byte 32 of authData) inside the attestationObject.
        let cleared = try Self.editAttestation(credential) { authData in authData[32] &= ~0x01 }
        #expect(attempt(cleared) == .userNotPresent(.attestation))
        let unverified = try Self.editAttestation(credential) { authData in authData[32] &= ~0x04 }
        #expect(throws: WebAuthnError.userNotVerified(.attestation)) {
            try RegistrationVerifier.verify(
                credential: unverified, expectedChallenge: challenge, origins: Self.origins, rpID: "localhost",
                requireUserVerification: true)
        }
        #expect(attempt(unverified) == nil, "UV is only needed when required")
        // The clientData of an assertion.
        let get = try Self.editClientData(credential) {
            $0.replacingOccurrences(of: "webauthn.create", with: "webauthn.get")
        }
        #expect(attempt(get) == .unexpectedType(expected: "webauthn.create", received: "webauthn.get"))
        // A truncated credential public key.
        let truncated = try Self.editAttestation(credential) { authData in authData.removeLast(3) }
        if case .malformedAuthenticatorData = attempt(truncated) {} else { Issue.record("truncated key accepted") }
    }

    @Test func refusesATamperedPackedSignature() throws {
        let fixture = try Self.fixture("registration_eddsa_packed.json")
        let body = fixture["request_body"] as? [String: Any] ?? [:]
        let credential = try Self.json(body["credential"])
        // Flip one byte of the signed authData (its sign counter): the self attestation breaks.
        let edited = try Self.editAttestation(credential) { authData in authData[36] ^= 0x01 }
        #expect(throws: WebAuthnError.invalidAttestationSignature) {
            try RegistrationVerifier.verify(
                credential: edited, expectedChallenge: Self.challenge(fixture), origins: Self.origins,
                rpID: "localhost", requireUserVerification: false)
        }
    }

    // MARK: - Assertion

    @Test func acceptsTheRecordedAssertion() throws {
        let fixture = try Self.fixture("assertion_es256.json")
        let verified = try AssertionVerifier.verify(
            assertion: Self.json(fixture["credential"]), expectedChallenge: Self.challenge(fixture),
            origins: Self.origins, rpID: "localhost", publicKey: Self.storedKey(fixture), storedSignCount: 0,
            requireUserVerification: true)
        #expect(verified.newSignCount == 1)
        #expect(verified.flags.rawValue == 0x05)
        #expect(verified.userHandle == Array("3".utf8))
        #expect(Base64.encodeURL(verified.credentialID) == "l0Nvqh-n_pIq55s_lns226j2Um5dA6Bbii53IGHuegA")
    }

    @Test func refusesTamperedAssertions() throws {
        let fixture = try Self.fixture("assertion_es256.json")
        let assertion = try Self.json(fixture["credential"])
        let challenge = try Self.challenge(fixture)
        func attempt(
            _ assertion: JSONValue, challenge: [UInt8]? = nil, origins: [String] = Self.origins,
            rpID: String = "localhost", key: [UInt8]? = nil, stored: UInt32 = 0
        ) -> WebAuthnError? {
            do {
                _ = try AssertionVerifier.verify(
                    assertion: assertion, expectedChallenge: challenge ?? Self.challengeBytes(fixture),
                    origins: origins, rpID: rpID, publicKey: key ?? Self.storedKeyBytes(fixture),
                    storedSignCount: stored, requireUserVerification: false)
                return nil
            } catch { return error }
        }
        #expect(attempt(assertion) == nil)
        #expect(attempt(assertion, challenge: Array(challenge.dropLast())) == .challengeMismatch)
        #expect(attempt(assertion, origins: ["http://localhost:8000"]) == .originMismatch("http://localhost:8104"))
        #expect(attempt(assertion, rpID: "localhost.") == .rpIDMismatch)
        #expect(attempt(assertion, stored: 1) == .signCountRegression(stored: 1, received: 1))
        #expect(attempt(assertion, stored: 7) == .signCountRegression(stored: 7, received: 1))
        let unpresent = try Self.editResponse(assertion, "authenticatorData") { $0[32] &= ~0x01 }
        #expect(attempt(unpresent) == .userNotPresent(.authentication))
        let upOnly = try Self.editResponse(assertion, "authenticatorData") { $0[32] &= ~0x04 }
        #expect(attempt(upOnly) == .invalidSignature, "flags are signed")
        let flipped = try Self.editResponse(assertion, "signature") { $0[$0.count - 5] ^= 0x40 }
        #expect(attempt(flipped) == .invalidSignature)
        let counter = try Self.editResponse(assertion, "authenticatorData") { $0[36] = 9 }
        #expect(attempt(counter) == .invalidSignature)
        let create = try Self.editClientData(assertion) {
            $0.replacingOccurrences(of: "webauthn.get", with: "webauthn.create")
        }
        #expect(attempt(create) == .unexpectedType(expected: "webauthn.get", received: "webauthn.create"))
        // Another key (the EdDSA credential's) does not verify it.
        let other = try Self.fixture("registration_eddsa_packed.json")
        let otherBody = other["request_body"] as? [String: Any] ?? [:]
        let otherKey = try RegistrationVerifier.verify(
            credential: Self.json(otherBody["credential"]), expectedChallenge: Self.challenge(other),
            origins: Self.origins, rpID: "localhost", requireUserVerification: false).publicKey
        #expect(attempt(assertion, key: otherKey) == .invalidSignature)
        if case .malformedPublicKey = attempt(assertion, key: [0xA0]) {} else { Issue.record("empty COSE key") }
    }

    // MARK: - Generated vectors (tools/make_webauthn_vectors.py: EdDSA, ES256, RS256)

    @Test(arguments: 0..<3) func registersAndAssertsGeneratedCredentials(_ index: Int) throws {
        let vectors = try Self.fixture("generated_vectors.json")
        let cases = try Self.need(vectors["cases"] as? [[String: Any]])
        let vector = cases[index]
        let registered = try RegistrationVerifier.verify(
            credential: Self.json(vector["registration"]),
            expectedChallenge: Self.need(Base64.decode(Self.need(vector["registration_challenge"] as? String),
                                                       urlSafe: true)),
            origins: Self.origins, rpID: "localhost", requireUserVerification: true)
        #expect(registered.attestationFormat == "packed")
        let assertion = try Self.json(vector["assertion"])
        let challenge = try Self.need(Base64.decode(Self.need(vector["assertion_challenge"] as? String), urlSafe: true))
        func verify(_ assertion: JSONValue, uv: Bool = false, stored: UInt32 = 0) throws -> VerifiedAssertion {
            try AssertionVerifier.verify(
                assertion: assertion, expectedChallenge: challenge, origins: Self.origins, rpID: "localhost",
                publicKey: registered.publicKey, storedSignCount: stored, requireUserVerification: uv)
        }
        let verified = try verify(assertion)
        #expect(verified.newSignCount == UInt32(vector["assertion_sign_count"] as? Int ?? -1))
        #expect(verified.credentialID == registered.credentialID)
        if !verified.flags.contains(.userVerified) {
            #expect(throws: WebAuthnError.userNotVerified(.authentication)) { try verify(assertion, uv: true) }
        }
        let flipped = try Self.editResponse(assertion, "signature") { $0[$0.count / 2] ^= 0x01 }
        #expect(throws: WebAuthnError.invalidSignature) { try verify(flipped) }
        #expect(throws: WebAuthnError.signCountRegression(stored: 9, received: verified.newSignCount)) {
            try verify(assertion, stored: 9)
        }
    }

    // MARK: - Hostile input

    @Test func mutatedInputOnlyThrows() throws {
        let registration = try Self.fixture("registration_es256_none.json")
        let assertionFixture = try Self.fixture("assertion_es256.json")
        let credential = try Self.json(registration["credential"])
        let assertion = try Self.json(assertionFixture["credential"])
        let attestationObject = try Self.responseBytes(credential, "attestationObject")
        let authData = try Self.responseBytes(assertion, "authenticatorData")
        let key = try Self.storedKey(assertionFixture)
        var rng = SplitMix64(seed: 0x5EED_CB0A)
        var accepted = 0
        for i in 0..<4_000 {
            let mutatedObject = Fuzz.mutate(attestationObject, &rng)
            if (try? RegistrationVerifier.verify(
                credential: Self.replacing(credential, "attestationObject", mutatedObject),
                expectedChallenge: Self.challenge(registration), origins: Self.origins, rpID: "localhost",
                requireUserVerification: false)) != nil { accepted += 1 }
            _ = try? CBOR.decode(mutatedObject)
            _ = try? COSEKey(Fuzz.mutate(key, &rng))
            _ = try? AuthenticatorData(Fuzz.mutate(authData, &rng))
            let mutatedJSON = Fuzz.mutate(Array(JSONWriter.encode(assertion)), &rng)
            _ = try? AssertionVerifier.verify(
                assertionJSON: mutatedJSON, expectedChallenge: Self.challenge(assertionFixture), origins: Self.origins,
                rpID: "localhost", publicKey: key, storedSignCount: 0, requireUserVerification: false)
            if i % 8 == 0 {
                // Random bytes and hostile shapes: deep nesting, huge declared lengths.
                let noise = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                _ = try? CBOR.decode(noise)
            }
        }
        #expect(accepted < 400, "mutations mostly refused")
        #expect(throws: FIDOError.self) { try CBOR.decode([UInt8](repeating: 0x81, count: 10_000) + [0]) }
        #expect(throws: FIDOError.self) { try CBOR.decode([0x9B, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) }
        #expect(throws: FIDOError.self) { try CBOR.decode([0x5B, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1]) }
        #expect(throws: FIDOError.self) { try CBOR.decode([0xBF, 0x61, 0x61]) }
        #expect(throws: WebAuthnError.self) {
            try RegistrationVerifier.verify(
                credential: Self.replacing(credential, "attestationObject", [UInt8](repeating: 0xA0, count: 17_000)),
                expectedChallenge: [], origins: Self.origins, rpID: "localhost", requireUserVerification: false)
        }
        #expect(throws: WebAuthnError.malformedCredential("clientDataJSON is not base64url")) {
            var object = try #require(credential.object)
            var response = try #require(object["response"]?.object)
            response["clientDataJSON"] = .string("!!!")
            object["response"] = .object(response)
            _ = try RegistrationVerifier.verify(
                credential: .object(object), expectedChallenge: [], origins: Self.origins, rpID: "localhost",
                requireUserVerification: false)
        }
    }

    // MARK: - Helpers

    static func fixture(_ name: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/webauthn/\(name)")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    }

    struct Missing: Error {}

    static func need<T>(_ value: T?) throws -> T {
        guard let value else { throw Missing() }
        return value
    }

    static func json(_ any: Any?) throws -> JSONValue {
        let data = try JSONSerialization.data(withJSONObject: try need(any))
        return try JSONParser.parse(Array(data))
    }

    static func challenge(_ fixture: [String: Any]) throws -> [UInt8] {
        try need(Base64.decode(try need(fixture["challenge"] as? String), urlSafe: true))
    }

    static func challengeBytes(_ fixture: [String: Any]) -> [UInt8] { (try? challenge(fixture)) ?? [] }

    static func storedKey(_ fixture: [String: Any]) throws -> [UInt8] {
        let stored = try need(fixture["stored_credential"] as? [String: Any] ?? fixture["expected"] as? [String: Any])
        return try need(Hex.decode(try need(stored["cose_public_key_hex"] as? String)))
    }

    static func storedKeyBytes(_ fixture: [String: Any]) -> [UInt8] { (try? storedKey(fixture)) ?? [] }

    static func responseBytes(_ credential: JSONValue, _ field: String) throws -> [UInt8] {
        guard case .string(let text)? = credential.object?["response"]?.object?[field] else {
            throw WebAuthnError.malformedCredential(field)
        }
        return try need(Base64.decode(text, urlSafe: true))
    }

    static func replacing(_ credential: JSONValue, _ field: String, _ bytes: [UInt8]) -> JSONValue {
        guard var object = credential.object, var response = object["response"]?.object else { return credential }
        response[field] = .string(Base64.encodeURL(bytes))
        object["response"] = .object(response)
        return .object(object)
    }

    static func editResponse(
        _ credential: JSONValue, _ field: String, _ edit: (inout [UInt8]) -> Void
    ) throws -> JSONValue {
        var bytes = try responseBytes(credential, field)
        edit(&bytes)
        return replacing(credential, field, bytes)
    }

    static func editClientData(_ credential: JSONValue, _ edit: (String) -> String) throws -> JSONValue {
        try editResponse(credential, "clientDataJSON") { bytes in
            bytes = Array(edit(String(decoding: bytes, as: UTF8.self)).utf8)
        }
    }

    /// Rewrites the authData inside an attestationObject (re-encoded by hand: `{fmt, attStmt, authData}`).
    static func editAttestation(_ credential: JSONValue, _ edit: (inout [UInt8]) -> Void) throws -> JSONValue {
        try editResponse(credential, "attestationObject") { object in
            let marker = Array("authData".utf8)
            guard let start = (0...(object.count - marker.count)).first(where: {
                Array(object[$0..<$0 + marker.count]) == marker
            }) else { return }
            // "authData" is followed by a byte-string header 0x58 <len> or 0x59 <len16>.
            var index = start + marker.count
            let headerByte = object[index]
            index += headerByte == 0x58 ? 2 : 3
            var authData = Array(object[index...])
            edit(&authData)
            let header: [UInt8] = authData.count < 256
                ? [0x58, UInt8(authData.count)] : [0x59, UInt8(authData.count >> 8), UInt8(authData.count & 0xFF)]
            object = Array(object[..<(start + marker.count)]) + header + authData
        }
    }
}

private extension JSONValue {
    var object: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }
}
