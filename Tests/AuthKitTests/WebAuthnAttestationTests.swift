import CryptoCore
import FIDO
import Foundation
import Testing
@testable import AuthKit

/// Attestation statements that carry certificates (packed with x5c, fido-u2f), malformed
/// statements, and chaining to WEBAUTHN_TRUST_STORE roots: vectors and roots made by
/// tools/make_webauthn_vectors.py (Tests/Fixtures/webauthn/attestation_vectors.json).
@Suite struct WebAuthnAttestationTests {
    static let origins = WebAuthnTests.origins

    static func vectors() throws -> [[String: Any]] {
        try WebAuthnTests.need(WebAuthnTests.fixture("attestation_vectors.json")["cases"] as? [[String: Any]])
    }

    static func vector(_ name: String) throws -> [String: Any] {
        try WebAuthnTests.need(vectors().first { $0["name"] as? String == name })
    }

    static let packedName = "packed x5c [attestation cert, intermediate] with id-fido-gen-ce-aaguid"
    static let u2fName = "fido-u2f"

    static func anchors(_ files: String...) throws -> X509TrustAnchors {
        try X509TrustAnchors(pem: files.flatMap { Array((try? Data(contentsOf: fixtureURL($0))) ?? Data()) })
    }

    static func fixtureURL(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/webauthn/\(name)")
    }

    static func register(
        _ vector: [String: Any], credential: JSONValue? = nil, anchors: X509TrustAnchors? = nil
    ) throws -> VerifiedCredential {
        let challenge = try WebAuthnTests.need(
            Base64.decode(WebAuthnTests.need(vector["registration_challenge"] as? String), urlSafe: true))
        return try RegistrationVerifier.verify(
            credential: credential ?? WebAuthnTests.json(vector["registration"]), expectedChallenge: challenge,
            origins: origins, rpID: "localhost", requireUserVerification: false, trustAnchors: anchors)
    }

    static func refusal(
        _ vector: [String: Any], credential: JSONValue? = nil, anchors: X509TrustAnchors? = nil
    ) -> WebAuthnError? {
        do {
            _ = try register(vector, credential: credential, anchors: anchors)
            return nil
        } catch let error as WebAuthnError { return error } catch { return .malformedCredential("\(error)") }
    }

    /// The registration with one byte of the statement's signature flipped (near its end: inside s).
    static func tamperedSignature(_ vector: [String: Any]) throws -> JSONValue {
        let signature = try WebAuthnTests.need(
            Base64.decode(WebAuthnTests.need(vector["attestation_signature"] as? String), urlSafe: true))
        return try WebAuthnTests.editResponse(WebAuthnTests.json(vector["registration"]), "attestationObject") {
            object in
            guard let start = (0...(object.count - signature.count)).first(where: {
                Array(object[$0..<$0 + signature.count]) == signature
            }) else { return }
            object[start + signature.count - 3] ^= 0x01
        }
    }

    // MARK: - Statements

    @Test func acceptsPackedWithX5CAndFidoU2F() throws {
        let packed = try Self.vector(Self.packedName)
        let verified = try Self.register(packed)
        #expect(verified.attestationFormat == "packed")
        #expect(verified.algorithm == .es256)
        #expect(verified.aaguidString == packed["aaguid"] as? String)
        let u2f = try Self.register(Self.vector(Self.u2fName))
        #expect(u2f.attestationFormat == "fido-u2f")
        #expect(u2f.aaguidString == "00000000-0000-0000-0000-000000000000")
    }

    @Test(arguments: [packedName, u2fName]) func refusesATamperedStatementSignature(_ name: String) throws {
        let vector = try Self.vector(name)
        let tampered = try Self.tamperedSignature(vector)
        #expect(tampered != (try WebAuthnTests.json(vector["registration"])), "signature found and flipped")
        #expect(Self.refusal(vector, credential: tampered) == .invalidAttestationSignature)
    }

    @Test func refusesMalformedStatements() throws {
        let negatives = try Self.vectors().filter { $0["accepted"] as? Bool == false }
        #expect(negatives.count >= 5)
        for vector in negatives {
            let error = Self.refusal(vector)
            guard case .malformedAttestation = error else {
                Issue.record("\(vector["name"] ?? "?"): \(String(describing: error))")
                continue
            }
        }
        func reason(_ name: String) throws -> String? {
            if case .malformedAttestation(let why)? = Self.refusal(try Self.vector(name)) { return why }
            return nil
        }
        #expect(try reason("fido-u2f without x5c") == "fido-u2f without x5c")
        #expect(try reason("fido-u2f attestation certificate on P-384")?.contains("not P-256") == true)
        #expect(try reason("fido-u2f with an Ed25519 credential key")?.contains("credential key is not P-256") == true)
        #expect(try reason("none with a non-empty statement") == "none attestation with a statement")
        #expect(try reason("packed x5c whose certificate names another AAGUID")?.contains("AAGUID") == true)
    }

    // MARK: - Trust store

    @Test func chainsToTheConfiguredRoots() throws {
        let root = try Self.anchors("attestation_root.pem")
        let unrelated = try Self.anchors("unrelated_root.pem")
        let both = try Self.anchors("unrelated_root.pem", "attestation_root.pem")
        #expect(both.certificates.count == 2)
        for name in [Self.packedName, Self.u2fName] {
            let vector = try Self.vector(name)
            #expect(Self.refusal(vector, anchors: root) == nil, "\(name) chains to the fixture root")
            #expect(Self.refusal(vector, anchors: both) == nil, "\(name): any root of the bundle will do")
            guard case .untrustedAttestation? = Self.refusal(vector, anchors: unrelated) else {
                Issue.record("\(name) accepted under an unrelated root")
                continue
            }
        }
        // The packed x5c needs its intermediate: the leaf alone does not reach the root.
        let object = try AttestationObject(WebAuthnTests.responseBytes(
            WebAuthnTests.json(Self.vector(Self.packedName)["registration"]), "attestationObject"))
        guard case .array(let x5c)? = object.statement["x5c"] else { throw WebAuthnTests.Missing() }
        let chain = x5c.compactMap(\.byteString)
        #expect(chain.count == 2)
        try X509Chain.verify(leaf: chain[0], intermediates: [chain[1]], anchors: root)
        #expect(throws: CryptoError.self) { try X509Chain.verify(leaf: chain[0], intermediates: [], anchors: root) }
        let error = WebAuthnError.untrustedAttestation("unable to get local issuer certificate")
        #expect(error.description == "Attestation could not be verified against the trust store")
        #expect(WebAuthnRefusal.verification(error).referenceMessage(expectedOrigin: "")
                    == "Certificate chain could not be validated")
    }

    @Test func refusesStatementsWithoutCertificatesWhenAStoreIsSet() throws {
        let root = try Self.anchors("attestation_root.pem")
        let none = try WebAuthnTests.fixture("registration_es256_none.json")
        func attempt(_ credential: JSONValue, _ fixture: [String: Any]) -> WebAuthnError? {
            do {
                _ = try RegistrationVerifier.verify(
                    credential: credential, expectedChallenge: WebAuthnTests.challenge(fixture),
                    origins: Self.origins, rpID: "localhost", requireUserVerification: false, trustAnchors: root)
                return nil
            } catch let error as WebAuthnError { return error } catch { return nil }
        }
        #expect(attempt(try WebAuthnTests.json(none["credential"]), none)
                    == .untrustedAttestation("none attestation carries no certificate"))
        let packedSelf = try WebAuthnTests.fixture("registration_eddsa_packed.json")
        let body = packedSelf["request_body"] as? [String: Any] ?? [:]
        #expect(attempt(try WebAuthnTests.json(body["credential"]), packedSelf)
                    == .untrustedAttestation("self attestation carries no certificate"))
        // A malformed statement stays malformed (not merely untrusted) with a store.
        let malformed = try Self.vector("none with a non-empty statement")
        if case .malformedAttestation? = Self.refusal(malformed, anchors: root) {} else {
            Issue.record("malformed none statement not reported as malformed")
        }
    }

    // MARK: - X509 (CryptoCore)

    @Test func readsPEMBundlesAndCertificates() throws {
        let root = try Self.anchors("attestation_root.pem")
        #expect(root.certificates.count == 1)
        let certificate = try X509Certificate(der: root.certificates[0])
        #expect(certificate.isCA && certificate.version == 3 && certificate.hasP256Key)
        #expect(certificate.extensionValue(oid: RegistrationVerifier.aaguidExtension) == nil)
        #expect(throws: CryptoError.self) { try X509Certificate(der: root.certificates[0] + [0]) }
        #expect(throws: CryptoError.self) { try X509Certificate(der: Array(root.certificates[0].dropLast())) }
        #expect(throws: CryptoError.self) { try X509TrustAnchors(pem: Array("not a certificate\n".utf8)) }
        let pem = try String(contentsOf: Self.fixtureURL("attestation_root.pem"), encoding: .utf8)
        let broken = pem.replacingOccurrences(of: "\n-----END", with: "AAAA\n-----END")
        #expect(throws: CryptoError.self) { try X509TrustAnchors(pem: Array((pem + broken).utf8)) }
        #expect(throws: CryptoError.self) { try X509TrustAnchors(pemFile: "/nonexistent/roots.pem") }
        // A root is its own chain; a root does not vouch for the unrelated one.
        try X509Chain.verify(leaf: root.certificates[0], intermediates: [], anchors: root)
        let other = try Self.anchors("unrelated_root.pem")
        #expect(throws: CryptoError.self) {
            try X509Chain.verify(leaf: other.certificates[0], intermediates: [], anchors: root)
        }
    }

    // MARK: - Setting

    @Test func loadsTheTrustStoreAtStartUp() throws {
        let base = ["AUTHKIT_DATABASE_URL": "postgresql:///x", "AUTHKIT_WEBAUTHN_ATTESTATION": "direct"]
        func load(_ path: String?, _ extra: [String: String] = [:]) throws -> Settings {
            var environment = base.merging(extra) { $1 }
            environment["AUTHKIT_WEBAUTHN_TRUST_STORE"] = path
            return try Settings.load(from: environment)
        }
        func problem(_ path: String?, _ extra: [String: String] = [:]) -> String? {
            do { _ = try load(path, extra); return nil } catch { return "\(error)" }
        }
        #expect(try load(nil).webauthn.trustAnchors == nil)
        let loaded = try load(Self.fixtureURL("attestation_root.pem").path)
        #expect(loaded.webauthn.trustAnchors == (try Self.anchors("attestation_root.pem")))
        #expect(loaded.webauthn.trustStorePath == Self.fixtureURL("attestation_root.pem").path)

        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("authkit-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let invalid = directory.appendingPathComponent("invalid.pem")
        try Data("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n".utf8).write(to: invalid)
        let empty = directory.appendingPathComponent("empty.pem")
        try Data().write(to: empty)
        for path in [invalid.path, empty.path, directory.appendingPathComponent("missing.pem").path] {
            let message = problem(path)
            #expect(message?.hasPrefix("AUTHKIT_WEBAUTHN_TRUST_STORE: \(path) is not a readable PEM bundle") == true,
                    "\(message ?? "accepted")")
        }
        #expect(problem("roots.pem")?.contains("must be an absolute path") == true)
        #expect(problem(Self.fixtureURL("attestation_root.pem").path, ["AUTHKIT_WEBAUTHN_ATTESTATION": "none"])?
            .contains("needs WEBAUTHN_ATTESTATION") == true)
    }
}
