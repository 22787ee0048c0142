import AuthKit
import Testing
import TestSupport

/// A factor the product does not ship, registered by the tests alone, goes through every
/// route of the MFA API: enrolment, confirm, challenge, login, attempt limits, audit, metrics.
@Suite struct NewHandlerTests {
    static let registry = MFAHandlerRegistry.builtIn.registering("pin") { PinHandler($0) }

    @Test func aTestOnlyHandlerWorksThroughTheWholeAPI() throws {
        let h = try MFAControllerTests.Harness(["AUTHKIT_MFA_HANDLERS": "app,email,pin", "AUTHKIT_MFA_FAILURES_BEFORE_DELAY": "3"],
                                               registry: Self.registry)
        let (_, _, token) = try h.enroll("pinned")
        let created = h.call(.post, "mfa/", #"{"method": "pin"}"#, token: token)
        #expect(created.0 == 201)
        let pin = try #require(created.1.flatMap { value -> String? in
            guard case .object(let o) = value, case .object(let setup)? = o["setup_data"], case .string(let p)? = setup["pin"] else { return nil }
            return p
        })
        var mark = try h.eventMark()
        #expect(h.call(.post, "mfa/confirm/", #"{"method": "pin", "code": "00000000"}"#, token: token).1
                == .object(["non_field_errors": ["Invalid verification code"]]))
        #expect(h.call(.post, "mfa/confirm/", #"{"method": "pin", "code": "\#(pin)"}"#, token: token).0 == 200)
        #expect(h.call(.post, "mfa/primary/", #"{"method": "pin"}"#, token: token).0 == 200)
        #expect(try h.events(since: &mark) == ["code_failed pin pin", "confirmed pin pin", "primary_changed pin -"])
        guard case .array(let rows)? = h.call(.get, "mfa/", token: token).1 else { Issue.record("no list"); return }
        #expect(rows.count == 3)

        // Login: the handler is challenged, its options served, its evidence checked.
        let ephemeral = h.firstStep("pinned")
        #expect(ephemeral.contains("-pin-"))
        #expect(h.call(.post, "login/challenge/", #"{"ephemeral_token": "\#(ephemeral)"}"#).1
                == .object(["hint": "the PIN shown when the method was created"]))
        for _ in 0..<3 {
            #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "11111111"}"#).0 == 400)
        }
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "\#(pin)"}"#).0 == 429,
                "the shared attempt limits apply to the new factor")
        h.clock.advance(seconds: 1)
        #expect(h.call(.post, "login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "\#(pin)"}"#).0 == 200)
        #expect(try h.events(since: &mark).suffix(1) == ["login_verified pin pin"])
        #expect(Self.registry.names == ["app", "email", "webauthn", "pin"])
    }

    @Test func settingsAcceptOnlyRegisteredHandlers() throws {
        #expect(throws: SettingsError.self) {
            try Settings.load(from: ["AUTHKIT_MFA_HANDLERS": "app,pin"], requireDatabase: false)
        }
        let settings = try Settings.load(from: ["AUTHKIT_MFA_HANDLERS": "app,pin"], requireDatabase: false, registry: Self.registry)
        #expect(settings.mfa.handlers == ["app", "pin"])
    }
}
