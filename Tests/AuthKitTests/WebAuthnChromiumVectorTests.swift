import CryptoCore
import FIDO
import Foundation
import Testing
@testable import AuthKit

/// A registration and an assertion made by a real Chromium with its WebDriver virtual authenticator
/// (Tests/Fixtures/webauthn/chromium_es256.json, from tools/record_chromium_webauthn.py), fed to the
/// verifiers as the JSON strings a browser posts (`PublicKeyCredential.toJSON()`).
@Suite struct WebAuthnChromiumVectorTests {
    static let fixtureName = "chromium_es256.json"

    // MARK: - Registration

    @Test func acceptsTheChromiumRegistration() throws {
        let fixture = try Self.fixture()
        let registration = try Self.object(fixture["registration"])
        let verified = try Self.register(fixture)
        #expect(verified.attestationFormat == "none")
        #expect(verified.algorithm == .es256)
        #expect(verified.algorithm.rawValue == -7)
        let rawID = try Self.bytes(registration["rawId"])
        #expect(verified.credentialID == rawID)
        #expect(Base64.encodeURL(verified.credentialID) == registration["id"] as? String)
        #expect(verified.flags.contains([.userPresent, .userVerified, .attestedCredentialData]))
        #expect(!verified.flags.contains(.backupEligible), "the virtual authenticator is not a synced passkey")
        #expect(verified.signCount == UInt32(try Self.need(fixture["sign_count_after_registration"] as? Int)))
        // Chromium leaves the virtual authenticator's AAGUID in place even for attestation "none".
        #expect(verified.aaguidString == "01020304-0506-0708-0102-030405060708")
        // toJSON() also gives the key as SubjectPublicKeyInfo: its point is the COSE key's x and y.
        let response = try Self.object(registration["response"])
        #expect(response["publicKeyAlgorithm"] as? Int == -7)
        let spki = try Self.bytes(response["publicKey"])
        let cose = try CBOR.decode(verified.publicKey)
        let x = try Self.need(cose[-2]?.byteString), y = try Self.need(cose[-3]?.byteString)
        #expect(Array(spki.suffix(65)) == [0x04] + x + y)
        #expect(response["transports"] as? [String] == ["internal"])
    }

    @Test func refusesTamperedChromiumRegistrations() throws {
        let fixture = try Self.fixture()
        let origin = try Self.need(fixture["origin"] as? String)
        let challenge = try Self.bytes(fixture["registration_challenge"])
        #expect(Self.error { try Self.register(fixture, challenge: challenge.reversed()) } == .challengeMismatch)
        #expect(Self.error { try Self.register(fixture, challenge: Array(challenge.dropLast())) } == .challengeMismatch)
        #expect(Self.error { try Self.register(fixture, origins: ["http://localhost:8104"]) }
            == .originMismatch(origin))
        let https = origin.replacingOccurrences(of: "http:", with: "https:")
        #expect(Self.error { try Self.register(fixture, origins: [https]) } == .originMismatch(origin))
        #expect(Self.error { try Self.register(fixture, rpID: "127.0.0.1") } == .rpIDMismatch)
        // The assertion's challenge is not the registration's.
        #expect(Self.error { try Self.register(fixture, challenge: Self.bytes(fixture["assertion_challenge"])) }
            == .challengeMismatch)
    }

    // MARK: - Assertion

    @Test func acceptsTheChromiumAssertion() throws {
        let fixture = try Self.fixture()
        let registered = try Self.register(fixture)
        let verified = try Self.authenticate(fixture, key: registered.publicKey, stored: registered.signCount)
        #expect(verified.credentialID == registered.credentialID)
        #expect(verified.newSignCount == UInt32(try Self.need(fixture["sign_count_after_assertion"] as? Int)))
        #expect(verified.newSignCount == registered.signCount + 1, "Chromium's virtual counter counts each use")
        #expect(verified.flags == [.userPresent, .userVerified])
        #expect(verified.userHandle == Array("7".utf8))
    }

    @Test func refusesTamperedChromiumAssertions() throws {
        let fixture = try Self.fixture()
        let origin = try Self.need(fixture["origin"] as? String)
        let registered = try Self.register(fixture)
        func attempt(
            _ edit: (inout [String: Any]) throws -> Void = { _ in }, challenge: [UInt8]? = nil,
            origins: [String]? = nil, stored: UInt32? = nil
        ) -> WebAuthnError? {
            Self.error {
                var copy = fixture
                var assertion = try Self.object(copy["assertion"])
                try edit(&assertion)
                copy["assertion"] = assertion
                return try Self.authenticate(
                    copy, challenge: challenge, origins: origins, key: registered.publicKey,
                    stored: stored ?? registered.signCount)
            }
        }
        #expect(attempt() == nil)
        // One byte of the signature's s value.
        #expect(attempt({ try Self.editResponse(&$0, "signature") { $0[$0.count - 5] ^= 0x01 } }) == .invalidSignature)
        // The signed counter, raised by one.
        #expect(attempt({ try Self.editResponse(&$0, "authenticatorData") { $0[36] &+= 1 } }) == .invalidSignature)
        #expect(attempt(origins: ["http://localhost:8104", "https://localhost"]) == .originMismatch(origin))
        #expect(attempt(challenge: try Self.bytes(fixture["registration_challenge"])) == .challengeMismatch)
        let signed = try Self.need(fixture["sign_count_after_assertion"] as? Int)
        let count = UInt32(signed)
        #expect(attempt(stored: count) == .signCountRegression(stored: count, received: count))
        // The registration's key made no other signature; the direct credential's key is another key.
        if let direct = fixture["direct"] as? [String: Any] {
            let other = try Self.register(direct, origins: [origin])
            #expect(Self.error {
                try Self.authenticate(fixture, key: other.publicKey, stored: registered.signCount)
            } == .invalidSignature)
        }
    }

    // MARK: - Attestation "direct": packed with an x5c chain from Chromium's test CA

    @Test func acceptsTheChromiumPackedAttestation() throws {
        let fixture = try Self.fixture()
        let origin = try Self.need(fixture["origin"] as? String)
        let direct = try Self.object(fixture["direct"])
        let registered = try Self.register(direct, origins: [origin])
        #expect(registered.attestationFormat == "packed")
        #expect(registered.algorithm == .es256)
        #expect(registered.flags.contains([.userPresent, .userVerified, .attestedCredentialData]))
        let verified = try Self.authenticate(direct, origins: [origin], key: registered.publicKey,
                                             stored: registered.signCount)
        #expect(verified.credentialID == registered.credentialID)
        #expect(verified.newSignCount > registered.signCount)
        // The attestation signature covers authData: raise its counter and the statement breaks.
        var tampered = direct
        var registration = try Self.object(direct["registration"])
        try Self.editResponse(&registration, "attestationObject") { object in
            let marker = Array("authData".utf8)
            let at = try Self.need((0...(object.count - marker.count)).first {
                Array(object[$0..<$0 + marker.count]) == marker
            })
            // "authData" then a byte-string header (0x58 len or 0x59 len16); the counter ends at byte 36.
            let start = at + marker.count + (object[at + marker.count] == 0x58 ? 2 : 3)
            object[start + 36] &+= 1
        }
        tampered["registration"] = registration
        #expect(Self.error { try Self.register(tampered, origins: [origin]) } == .invalidAttestationSignature)
    }

    /// With a trust store configured, neither Chromium credential chains to it: its x5c is one self-signed
    /// "Batch Certificate", and "none" carries no certificate at all.
    @Test func refusesChromiumAttestationsOutsideTheTrustStore() throws {
        let fixture = try Self.fixture()
        let origin = try Self.need(fixture["origin"] as? String)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/webauthn/attestation_root.pem")
        let anchors = try X509TrustAnchors(pem: Array(Data(contentsOf: root)))
        func refusal(_ part: [String: Any]) -> WebAuthnError? {
            Self.error {
                try RegistrationVerifier.verify(
                    credentialJSON: Self.jsonBytes(part["registration"]),
                    expectedChallenge: Self.bytes(part["registration_challenge"]), origins: [origin], rpID: "localhost",
                    requireUserVerification: true, trustAnchors: anchors)
            }
        }
        #expect(refusal(fixture) == .untrustedAttestation("none attestation carries no certificate"))
        if case .untrustedAttestation = refusal(try Self.object(fixture["direct"])) {} else {
            Issue.record("Chromium's packed attestation chained to the test root")
        }
    }

    // MARK: - Helpers

    static func fixture() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/webauthn/\(fixtureName)")
        return try object(JSONSerialization.jsonObject(with: Data(contentsOf: url)))
    }

    struct Missing: Error {}

    static func need<T>(_ value: T?) throws -> T {
        guard let value else { throw Missing() }
        return value
    }

    static func object(_ any: Any?) throws -> [String: Any] { try need(any as? [String: Any]) }

    static func bytes(_ any: Any?) throws -> [UInt8] {
        try need(Base64.decode(try need(any as? String), urlSafe: true))
    }

    static func jsonBytes(_ any: Any?) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: try need(any)))
    }

    /// The ceremony's origins: the fixture's own unless given (the `direct` part has none of its own).
    static func origins(_ fixture: [String: Any], _ origins: [String]?) throws -> [String] {
        try origins ?? [need(fixture["origin"] as? String)]
    }

    static func register(
        _ fixture: [String: Any], challenge: [UInt8]? = nil, origins: [String]? = nil, rpID: String = "localhost"
    ) throws -> VerifiedCredential {
        try RegistrationVerifier.verify(
            credentialJSON: jsonBytes(fixture["registration"]),
            expectedChallenge: challenge ?? bytes(fixture["registration_challenge"]),
            origins: Self.origins(fixture, origins), rpID: rpID, requireUserVerification: true)
    }

    static func authenticate(
        _ fixture: [String: Any], challenge: [UInt8]? = nil, origins: [String]? = nil, key: [UInt8],
        stored: UInt32
    ) throws -> VerifiedAssertion {
        try AssertionVerifier.verify(
            assertionJSON: jsonBytes(fixture["assertion"]),
            expectedChallenge: challenge ?? bytes(fixture["assertion_challenge"]),
            origins: Self.origins(fixture, origins), rpID: "localhost", publicKey: key, storedSignCount: stored,
            requireUserVerification: true)
    }

    /// The WebAuthnError a call throws, nil when it succeeds (any other error is recorded as an issue).
    static func error<T>(_ body: () throws -> T) -> WebAuthnError? {
        do {
            _ = try body()
            return nil
        } catch let error as WebAuthnError {
            return error
        } catch {
            Issue.record("not a WebAuthnError: \(error)")
            return nil
        }
    }

    /// Decodes `response[field]`, edits the bytes, and stores them back as base64url.
    static func editResponse(
        _ credential: inout [String: Any], _ field: String, _ edit: (inout [UInt8]) throws -> Void
    ) throws {
        var response = try object(credential["response"])
        var value = try bytes(response[field])
        try edit(&value)
        response[field] = Base64.encodeURL(value)
        credential["response"] = response
    }
}
