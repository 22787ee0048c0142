import AuthKit
import Foundation
import Testing
import TestSupport

/// Sessions end when they should: a password change, "log out everywhere", a help-desk MFA
/// reset or a deactivation void every token issued before; a second step never outlives its
/// password step; no login name of any length is a 500.
@Suite struct SessionEndTests {
    static func tokens(_ r: HTTPClient.Response) -> (access: String, refresh: String)? {
        guard let access = r.string("access") else { return nil }
        let refresh = r.headers(named: "Set-Cookie").first { $0.hasPrefix("auth-refresh-jwt=") }
            .map { String($0.dropFirst("auth-refresh-jwt=".count).prefix { $0 != ";" }) }
        return refresh.map { (access, $0) }
    }

    func refresh(_ s: Stack, _ token: String) throws -> HTTPClient.Response {
        try s.http.post("token/refresh/", json: #"{"refresh": "\#(token)"}"#)
    }

    static let window = ["AUTHKIT_MFA_TOTP_DEFAULT_VALID_WINDOW": "1"]

    @Test func aPasswordChangeEndsTokensAndPendingSecondSteps() throws {
        let s = try Stack(settings: Self.window)
        defer { s.stop() }
        try s.createUser("pia")
        let old = try #require(Self.tokens(try s.login("pia")))
        #expect(try refresh(s, old.refresh).status == 200)
        let u = try Enrollment.app(s, "mfauser")
        let pending = try #require(try s.login("mfauser").string("ephemeral_token"))
        // Tokens are dated to the second: the change must come a second later to void them.
        Thread.sleep(forTimeInterval: 1.1)
        try s.cli(["user", "set-password", "pia", "--password-stdin"], stdin: "N3w-secret-pass!\n")
        try s.cli(["user", "set-password", "mfauser", "--password-stdin"], stdin: "N3w-secret-pass!\n")
        #expect(try refresh(s, old.refresh).text == #"{"detail":"Token is invalid","code":"token_not_valid"}"#)
        let me = try s.http.get("user/", headers: [("Authorization", "Bearer \(old.access)")])
        #expect(me.status == 401)
        #expect(me.text.contains(#""code":"token_not_valid""#) && me.text.contains(#""message":"Token is invalid""#))
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(pending)", "code": "\#(u.phone.nextCode())"}"#).text
                == #"{"non_field_errors":["Invalid token"]}"#, "the second step ended with the old password")
        // The new password logs in, and its tokens work.
        let fresh = try #require(Self.tokens(try s.login("pia", "N3w-secret-pass!")))
        #expect(try refresh(s, fresh.refresh).status == 200)
    }

    @Test func logOutEverywhere() throws {
        let s = try Stack()
        defer { s.stop() }
        try s.createUser("lou")
        let laptop = try #require(Self.tokens(try s.login("lou")))
        let phone = try #require(Self.tokens(try s.login("lou")))
        Thread.sleep(forTimeInterval: 1.1)
        let out = try s.http.post("logout/all/", json: "{}", headers: [("Authorization", "Bearer \(phone.access)")])
        #expect(out.text == #"{"detail":"Successfully logged out from all devices."}"#)
        #expect(out.headers(named: "Set-Cookie").count == 2, "this client's auth cookies are deleted")
        for session in [laptop, phone] {
            #expect(try refresh(s, session.refresh).status == 401)
            #expect(try s.http.get("user/", headers: [("Authorization", "Bearer \(session.access)")]).status == 401)
        }
        #expect(try s.http.post("logout/all/", json: "{}").status == 401)
        let again = try #require(Self.tokens(try s.login("lou")))
        #expect(try s.http.get("user/", headers: [("Authorization", "Bearer \(again.access)")]).status == 200)
    }

    @Test func deactivationAndMFAResetEndSessions() throws {
        let s = try Stack(settings: Self.window)
        defer { s.stop() }
        try s.createUser("dee")
        let u = try Enrollment.app(s, "rex")
        let dee = try #require(Self.tokens(try s.login("dee")))
        _ = u
        Thread.sleep(forTimeInterval: 1.1)
        try s.cli(["user", "deactivate", "dee"])
        try s.cli(["user", "activate", "dee"])
        #expect(try refresh(s, dee.refresh).status == 401, "reactivating never revives old tokens")
        try s.cli(["mfa", "reset", "rex"])
        #expect(try s.http.get("mfa/", headers: [("Authorization", "Bearer \(u.token)")]).status == 401)
    }

    @Test func loginNamesOfAnyLengthAreAPlain400() throws {
        let s = try Stack()
        defer { s.stop() }
        let unable = #"{"non_field_errors":["Unable to log in with provided credentials."]}"#
        for length in [151, 2_800, 40_000] {
            let name = (0..<length).map { _ in String(UnicodeScalar(UInt8.random(in: 97...122))) }.joined()
            #expect(try s.login(name, "whatever").text == unable, "\(length)")
        }
    }
}
