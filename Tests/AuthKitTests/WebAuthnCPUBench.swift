import CryptoCore
import FIDO
import Foundation
import Testing
@testable import AuthKit

/// Outside the suite: a trait naming a member of the type it is attached to cannot be resolved.
private let webAuthnBenchEnabled = ProcessInfo.processInfo.environment["AUTHKIT_BENCH_WEBAUTHN"] == "1"

/// CPU time of one WebAuthn verification per vector (BENCH.md, `bench/webauthn_cpu.sh`).
/// Skipped unless `AUTHKIT_BENCH_WEBAUTHN=1`: it proves nothing `WebAuthnTests` does not, and
/// timings from a shared CI machine would be noise. It prints figures and asserts no timing,
/// only that every verification succeeded.
@Suite(.enabled(if: webAuthnBenchEnabled, "AUTHKIT_BENCH_WEBAUTHN is not 1 (bench/webauthn_cpu.sh sets it)"))
struct WebAuthnCPUBench {
    /// Verifications per vector, in `rounds` rounds: short rounds (~20 ms) let the minimum show
    /// the undisturbed cost even while another process shares the cores.
    static let rounds = 10
    static let iterations: Int = {
        let asked = Int(ProcessInfo.processInfo.environment["AUTHKIT_BENCH_WEBAUTHN_N"] ?? "") ?? 2000
        return max(rounds, asked / rounds * rounds)
    }()

    /// One vector: the whole verification from the posted JSON bytes (what a route hands in), and
    /// the libfido2 signature check alone on pre-parsed inputs, so parsing vs crypto shows.
    struct Case {
        let name: String
        let verify: () throws -> Bool
        let signatureOnly: (() throws -> Void)?
    }

    @Test func cpuTimePerVerification() throws {
        print("webauthn-cpu | case | µs CPU per verification, median of \(Self.rounds) rounds | min | max"
            + " | signature alone: median | min | wall µs | N=\(Self.iterations)")
        for benchCase in try Self.cases() {
            let whole = try Self.measure(benchCase.verify)
            #expect(whole.succeeded == Self.iterations, "\(benchCase.name): a verification failed")
            var signature = "– | –"
            if let signatureOnly = benchCase.signatureOnly {
                let alone = try Self.measure { try signatureOnly(); return true }
                signature = "\(Self.format(alone.median)) | \(Self.format(alone.min))"
            }
            print("webauthn-cpu | \(benchCase.name) | \(Self.format(whole.median)) | \(Self.format(whole.min)) | "
                + "\(Self.format(whole.max)) | \(signature) | \(Self.format(whole.wall))")
        }
    }

    // MARK: - Measuring

    struct Figures {
        var median = 0.0, min = 0.0, max = 0.0, wall = 0.0
        var succeeded = 0
    }

    /// Per-thread CPU time: time this thread waits for a core is not counted; contention while it
    /// runs (caches, the VM host's other load) still is. The body is synchronous: one thread.
    static func measure(_ body: () throws -> Bool) throws -> Figures {
        var figures = Figures()
        for _ in 0..<max(1, iterations / 10) { _ = try body() }  // warm-up: caches, lazy library state
        let perRoundCount = iterations / rounds
        var perRound: [Double] = []
        let wallStart = monotonicMicroseconds()
        for _ in 0..<rounds {
            let start = threadCPUMicroseconds()
            for _ in 0..<perRoundCount { figures.succeeded += try body() ? 1 : 0 }
            perRound.append((threadCPUMicroseconds() - start) / Double(perRoundCount))
        }
        figures.wall = (monotonicMicroseconds() - wallStart) / Double(iterations)
        perRound.sort()
        figures.median = (perRound[(rounds - 1) / 2] + perRound[rounds / 2]) / 2
        figures.min = perRound[0]
        figures.max = perRound[rounds - 1]
        return figures
    }

    static func format(_ microseconds: Double) -> String { String(format: "%.1f", microseconds) }

    static func threadCPUMicroseconds() -> Double { clockMicroseconds(CLOCK_THREAD_CPUTIME_ID) }
    static func monotonicMicroseconds() -> Double { clockMicroseconds(CLOCK_MONOTONIC) }

    static func clockMicroseconds(_ clock: clockid_t) -> Double {
        var time = timespec()
        clock_gettime(clock, &time)
        return Double(time.tv_sec) * 1e6 + Double(time.tv_nsec) / 1e3
    }

    // MARK: - Vectors

    static let origins = WebAuthnTests.origins

    static func cases() throws -> [Case] {
        let recordedNone = try WebAuthnTests.fixture("registration_es256_none.json")
        let recordedAssertion = try WebAuthnTests.fixture("assertion_es256.json")
        let generated = try WebAuthnTests.need(
            WebAuthnTests.fixture("generated_vectors.json")["cases"] as? [[String: Any]])
        // generated_vectors.json order (tools/make_webauthn_vectors.py): EdDSA, ES256, RS256.
        let labels = ["EdDSA", "ES256", "RS256"]
        var registrations = [try registration(
            "registration none ES256 (recorded)", credential: recordedNone["credential"],
            challenge: WebAuthnTests.challenge(recordedNone))]
        var assertions = [try assertion(
            "assertion ES256 (recorded)", credential: recordedAssertion["credential"],
            challenge: WebAuthnTests.challenge(recordedAssertion), key: WebAuthnTests.storedKey(recordedAssertion),
            signCount: 1)]
        for (label, vector) in zip(labels, generated) {
            let registrationChallenge = try decode(vector["registration_challenge"])
            let verified = try RegistrationVerifier.verify(
                credential: WebAuthnTests.json(vector["registration"]), expectedChallenge: registrationChallenge,
                origins: origins, rpID: "localhost", requireUserVerification: false)
            // The vector's own name says which algorithm it is; a reordered file fails here.
            #expect("\(verified.algorithm)" == label.lowercased(), "vector order changed")
            registrations.append(try registration(
                "registration packed \(label)", credential: vector["registration"], challenge: registrationChallenge))
            assertions.append(try assertion(
                "assertion \(label)", credential: vector["assertion"], challenge: decode(vector["assertion_challenge"]),
                key: verified.publicKey, signCount: UInt32(vector["assertion_sign_count"] as? Int ?? -1)))
        }
        return registrations + assertions
    }

    static func decode(_ base64url: Any?) throws -> [UInt8] {
        try WebAuthnTests.need(Base64.decode(WebAuthnTests.need(base64url as? String), urlSafe: true))
    }

    static func registration(_ name: String, credential: Any?, challenge: [UInt8]) throws -> Case {
        let parsed = try WebAuthnTests.json(credential)
        let bytes = Array(JSONWriter.encode(parsed))
        let object = try AttestationObject(WebAuthnTests.responseBytes(parsed, "attestationObject"))
        let clientDataHash = Digest.hash(.sha256, try WebAuthnTests.responseBytes(parsed, "clientDataJSON"))
        let algorithm = try COSEKey(
            RegistrationVerifier.verify(
                credential: parsed, expectedChallenge: challenge, origins: origins, rpID: "localhost",
                requireUserVerification: false).publicKey
        ).algorithm
        return Case(
            name: name,
            verify: {
                try RegistrationVerifier.verify(
                    credentialJSON: bytes, expectedChallenge: challenge, origins: origins, rpID: "localhost",
                    requireUserVerification: false).algorithm == algorithm
            },
            // `none` carries no signature: nothing but parsing and checks to time.
            signatureOnly: object.format == "none" ? nil : {
                try AttestationVerifier.verify(
                    object, algorithm: algorithm, rpID: "localhost", clientDataHash: clientDataHash)
            })
    }

    static func assertion(
        _ name: String, credential: Any?, challenge: [UInt8], key: [UInt8], signCount: UInt32
    ) throws -> Case {
        let parsed = try WebAuthnTests.json(credential)
        let bytes = Array(JSONWriter.encode(parsed))
        let coseKey = try COSEKey(key)
        let authenticatorData = try WebAuthnTests.responseBytes(parsed, "authenticatorData")
        let clientDataHash = Digest.hash(.sha256, try WebAuthnTests.responseBytes(parsed, "clientDataJSON"))
        let signature = try WebAuthnTests.responseBytes(parsed, "signature")
        return Case(
            name: name,
            verify: {
                try AssertionVerifier.verify(
                    assertionJSON: bytes, expectedChallenge: challenge, origins: origins, rpID: "localhost",
                    publicKey: key, storedSignCount: 0, requireUserVerification: false).newSignCount == signCount
            },
            signatureOnly: {
                try SignatureVerifier.verify(
                    key: coseKey, rpID: "localhost", authenticatorData: authenticatorData,
                    clientDataHash: clientDataHash, signature: signature)
            })
    }
}
