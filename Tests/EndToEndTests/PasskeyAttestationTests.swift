import AuthKit
import Foundation
import Testing
import TestSupport

/// AUTHKIT_WEBAUTHN_TRUST_STORE through nginx and the running binary: registrations are accepted
/// only with a packed x5c chain to one of its roots (a test CA made for the run); none and self
/// attestation and a chain to another root are refused with the reference's message, and nothing
/// is stored for them.
@Suite struct PasskeyAttestationTests {
    @Test func onlyChainsToTheTrustStoreAreAccepted() throws {
        let trusted = try Paths.temporaryDirectory("authkit-ca")
        let other = try Paths.temporaryDirectory("authkit-ca")
        try SoftAuthenticator.makeCA(trusted)
        try SoftAuthenticator.makeCA(other)
        var settings = PasskeyTests.settings
        settings["AUTHKIT_WEBAUTHN_ATTESTATION"] = "direct"
        settings["AUTHKIT_WEBAUTHN_TRUST_STORE"] = trusted + "/root.pem"
        let s = try Stack(settings: settings)
        defer { s.stop() }
        try s.createUser("att_ann")
        let access = try s.accessToken("att_ann")
        let key = try SoftAuthenticator(origin: PasskeyTests.origin)
        func register(fmt: String, attestation: String?) throws -> HTTPClient.Response {
            let options = try s.post("webauthn/credentials/register_options/", "", token: access)
            #expect(options.text.contains(#""attestation":"direct""#), "\(options.text)")
            let registration = try key.create(options.text, fmt: fmt, attestation: attestation)
            return try s.post("webauthn/credentials/", #"{"credential": \#(registration)}"#, token: access)
        }
        for (fmt, directory, what) in [("none", nil, "none"), ("packed", nil, "self"), ("packed", other, "other root")] {
            let refused = try register(fmt: fmt, attestation: directory)
            #expect(refused.status == 400, "\(what): \(refused.text)")
            #expect(refused.text == #"["Certificate chain could not be validated"]"#, "\(what)")
        }
        #expect(try s.psql("SELECT count(*) FROM webauthn_credentials") == "0")

        let accepted = try register(fmt: "packed", attestation: trusted)
        #expect(accepted.status == 201, "\(accepted.text)")
        #expect(try s.psql("SELECT attestation_format FROM webauthn_credentials") == "packed")
        // The attested key signs in (passwordless, as the account has no MFA).
        let initiated = try s.post("passwordless/webauthn/initiate/", #"{"email": "att_ann@example.com"}"#)
        let session = try #require(initiated.string("session_id"))
        let assertion = try key.get(initiated.text, key: -1)
        let signedIn = try s.post("passwordless/webauthn/verify/", #"{"credential": \#(assertion), "session_id": "\#(session)"}"#)
        #expect(signedIn.status == 200, "\(signedIn.text)")
    }
}
