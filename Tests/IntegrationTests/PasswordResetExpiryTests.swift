import AuthKit
import Testing
import TestSupport

/// Reset token lifetime and session revocation in-process, with a clock the test controls.
@Suite struct PasswordResetExpiryTests {
    typealias Harness = MFAControllerTests.Harness

    static let settings = ["AUTHKIT_FRONTEND_BASE_URL": "https://app.example.com", "AUTHKIT_PASSWORD_RESET_TIMEOUT": "3600",
                           "AUTHKIT_THROTTLE_RATES": "none", "AUTHKIT_PASSWORD_VALIDATORS": "none"]

    func user(_ h: Harness, _ name: String) throws {
        let hash = DjangoPassword.make("pw", iterations: 1000)
        _ = try h.cluster.psql("INSERT INTO users (username, email, password) VALUES ('\(name)', '\(name)@example.com', '\(hash)')",
                               database: h.dbName)
    }

    /// The uid and token of the newest queued reset mail to `name` (read from the outbox row).
    func link(_ h: Harness, _ name: String) throws -> (uid: String, token: String) {
        let body = try h.cluster.psql("SELECT body FROM email_outbox WHERE recipient = '\(name)@example.com' ORDER BY id DESC LIMIT 1",
                                      database: h.dbName)
        let query = try #require(body.split(separator: "?uid=").last?.prefix { !$0.isNewline })
        let parts = query.split(separator: "&token=")
        try #require(parts.count == 2)
        return (String(parts[0]), String(parts[1]))
    }

    func confirm(_ h: Harness, _ link: (uid: String, token: String)) -> (Int, JSONValue?) {
        h.call(.post, "password/reset/confirm/",
               #"{"new_password1": "n3w", "new_password2": "n3w", "uid": "\#(link.uid)", "token": "\#(link.token)"}"#)
    }

    @Test func aTokenWorksUntilTheTimeoutAndNotASecondLonger() throws {
        let h = try Harness(Self.settings)
        try user(h, "exa")
        #expect(h.call(.post, "password/reset/", #"{"email": "exa@example.com"}"#).0 == 200)
        let late = try link(h, "exa")
        h.clock.advance(seconds: 3601)
        let expired = confirm(h, late)
        #expect(expired.0 == 400)
        #expect(expired.1 == .object(["token": ["Invalid value"]]))

        #expect(h.call(.post, "password/reset/", #"{"email": "exa@example.com"}"#).0 == 200)
        let onTime = try link(h, "exa")
        h.clock.advance(seconds: 3600)
        #expect(confirm(h, onTime).0 == 200)
        #expect(h.call(.post, "login/", #"{"username": "exa", "password": "n3w"}"#).0 == 200)
    }

    /// Revocation is dated by the app's clock: tokens of earlier seconds die, tokens of the
    /// change's own second survive (User.acceptsSession), later logins work.
    @Test func aChangeRevokesSessionsByTheAppClock() throws {
        let h = try Harness(Self.settings)
        try user(h, "rev")
        let before = try #require(h.string(h.call(.post, "login/", #"{"username": "rev", "password": "pw"}"#).1, "access"))
        h.clock.advance(seconds: 5)
        let sameSecond = try #require(h.string(h.call(.post, "login/", #"{"username": "rev", "password": "pw"}"#).1, "access"))
        let changed = h.call(.post, "password/change/", #"{"new_password1": "n3w", "new_password2": "n3w"}"#, token: sameSecond)
        #expect(changed.0 == 200)
        #expect(h.call(.get, "user/", token: before).0 == 401)
        #expect(h.call(.get, "user/", token: sameSecond).0 == 200)
        h.clock.advance(seconds: 1)
        let after = try #require(h.string(h.call(.post, "login/", #"{"username": "rev", "password": "n3w"}"#).1, "access"))
        #expect(h.call(.get, "user/", token: after).0 == 200)
    }
}
