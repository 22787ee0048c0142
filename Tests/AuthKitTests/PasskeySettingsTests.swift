import Testing
@testable import AuthKit

/// Passkey and passwordless settings, the `{id}` routes and email sign-in tokens (issue 15).
@Suite struct PasskeySettingsTests {
    static let base = ["AUTHKIT_DATABASE_URL": "postgresql:///x"]

    func load(_ extra: [String: String]) throws -> Settings {
        try Settings.load(from: Self.base.merging(extra) { $1 })
    }

    func problem(_ extra: [String: String]) -> String? {
        do { _ = try load(extra); return nil } catch { return "\(error)" }
    }

    @Test func offByDefault() throws {
        let s = try load([:])
        #expect(s.mfa.handlers == ["app", "email"])
        #expect(!s.passwordless.enabled && !s.passwordless.serves(.email) && !s.passwordless.serves(.webauthn))
        #expect(s.webauthn.rpID == nil && s.webauthn.timeout == 60000 && s.webauthn.challengeExpiry == 300)
        #expect(s.passwordless.tokenExpiry == 900)
    }

    @Test func webauthnNeedsARelyingPartyAndOrigins() throws {
        let mfa = ["AUTHKIT_MFA_HANDLERS": "app,email,webauthn"]
        #expect(problem(mfa)?.contains("AUTHKIT_WEBAUTHN_RP_ID") == true)
        #expect(problem(mfa.merging(["AUTHKIT_WEBAUTHN_RP_ID": "example.com"]) { $1 })?
            .contains("AUTHKIT_WEBAUTHN_ORIGIN") == true)
        // Passwordless passkeys need them too; the email link alone does not.
        #expect(problem(["AUTHKIT_USE_PASSWORDLESS": "true"])?.contains("AUTHKIT_WEBAUTHN_RP_ID") == true)
        #expect(problem(["AUTHKIT_USE_PASSWORDLESS": "true", "AUTHKIT_PASSWORDLESS_HANDLERS": "email"]) == nil)
        // An origin that is not on the RP id would make every ceremony fail in browsers.
        let wrong = mfa.merging(["AUTHKIT_WEBAUTHN_RP_ID": "example.com",
                                 "AUTHKIT_WEBAUTHN_ORIGIN": "https://example.org"]) { $1 }
        #expect(problem(wrong)?.contains("not on WEBAUTHN_RP_ID") == true)
        #expect(problem(mfa.merging(["AUTHKIT_WEBAUTHN_RP_ID": "Example.com/x",
                                     "AUTHKIT_WEBAUTHN_ORIGIN": "https://example.com"]) { $1 }) != nil)
        #expect(problem(mfa.merging(["AUTHKIT_WEBAUTHN_RP_ID": "example.com",
                                     "AUTHKIT_WEBAUTHN_ORIGIN": "https://example.com/"]) { $1 }) != nil)
        let s = try load(mfa.merging(["AUTHKIT_WEBAUTHN_RP_ID": "example.com",
                                      "AUTHKIT_WEBAUTHN_ORIGIN": "https://app.example.com, https://example.com:8443",
                                      "AUTHKIT_WEBAUTHN_USER_VERIFICATION": "required"]) { $1 })
        #expect(s.webauthn.origins == ["https://app.example.com", "https://example.com:8443"])
        #expect(s.webauthn.rpName == "example.com" && s.webauthn.requiresUserVerification)
        #expect(problem(["AUTHKIT_WEBAUTHN_USER_VERIFICATION": "always"]) != nil)
        #expect(problem(["AUTHKIT_PASSWORDLESS_HANDLERS": "sms"]) != nil)
    }

    @Test func parameterisedRoutesMatchOneSegment() throws {
        let settings = try load(["AUTHKIT_MFA_HANDLERS": "app,email,webauthn", "AUTHKIT_WEBAUTHN_RP_ID": "localhost",
                                 "AUTHKIT_WEBAUTHN_ORIGIN": "http://localhost:8000"])
        let router = Application(settings: settings).router
        func matched(_ path: String) -> String {
            switch router.match(path: path, query: "") {
            case .route(let r): return r.name
            case .redirect(let location): return "301 \(location)"
            case .notFound: return "404"
            }
        }
        #expect(matched("/api/auth/webauthn/credentials/") == "webauthn/credentials/")
        #expect(matched("/api/auth/webauthn/credentials/register_options/") == "webauthn/credentials/register_options/")
        #expect(matched("/api/auth/webauthn/credentials/12/") == "webauthn/credentials/{id}/")
        #expect(matched("/api/auth/webauthn/credentials/abc/") == "webauthn/credentials/{id}/")
        #expect(matched("/api/auth/webauthn/credentials/12/rename/") == "webauthn/credentials/{id}/rename/")
        #expect(matched("/api/auth/webauthn/credentials/12") == "301 /api/auth/webauthn/credentials/12/")
        #expect(matched("/api/auth/webauthn/credentials//rename/") == "404")
        #expect(matched("/api/auth/webauthn/credentials/1/2/") == "404")
        #expect(matched("/api/auth/passwordless/email/initiate") == "404", "off without USE_PASSWORDLESS")
    }

    @Test func loginLinkTokens() {
        let links = LoginLinkToken(secretKey: "k", expiry: 900)
        let subject = LoginLinkToken.Subject(userID: 23, epoch: 0, lastLoginMicros: nil, email: "a@example.com")
        let token = links.make(for: subject, issuedAt: 1_796_572_841)
        #expect(token.hasPrefix("23-" + String(1_796_572_841, radix: 36) + "-") && token.count == 3 + 6 + 1 + 40)
        #expect(links.isValid(token, for: subject, now: 1_796_572_841 + 900))
        #expect(!links.isValid(token, for: subject, now: 1_796_572_841 + 901), "expired")
        #expect(!links.isValid(token, for: .init(userID: 23, epoch: 1, lastLoginMicros: nil, email: "a@example.com"),
                                now: 1_796_572_841), "used: the epoch moved")
        #expect(!links.isValid(token, for: .init(userID: 23, epoch: 0, lastLoginMicros: 5, email: "a@example.com"),
                                now: 1_796_572_841), "a later sign-in")
        #expect(!links.isValid(token, for: .init(userID: 24, epoch: 0, lastLoginMicros: nil, email: "a@example.com"),
                                now: 1_796_572_841))
        let later = links.make(for: subject, issuedAt: 1_796_572_842)
        let forged = String(token.prefix { $0 != "-" }) + "-" + String(1_796_572_842, radix: 36) + "-"
            + String(token.suffix(40))
        #expect(forged != later && !links.isValid(forged, for: subject, now: 1_796_572_850), "a moved timestamp")
        for garbage in ["", "garbage", "23-x-", "23--" + String(repeating: "a", count: 40), "-1-a-" + String(repeating: "a", count: 40)] {
            #expect(LoginLinkToken.parse(garbage) == nil, "\(garbage)")
        }
    }
}
