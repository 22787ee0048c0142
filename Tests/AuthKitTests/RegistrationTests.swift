import CryptoCore
import Foundation
import Testing
@testable import AuthKit

/// The pure parts of the registration routes (issue 14): confirmation keys, the link, the
/// password rules at sign-up.
@Suite struct RegistrationTests {
    static let secret = "django-insecure-test-key-0123456789abcdefghijklmnop"

    /// Django's `signing.dumps(pk, salt="account")`, computed with Python's hmac/hashlib/base64
    /// the way Django does it (docs/contract/account.md §8): a Django site sharing the secret key
    /// makes and accepts the same keys.
    @Test func keysAreDjangosSignedValues() {
        let keys = EmailConfirmationKey(secretKey: Self.secret, expireDays: 3)
        let now = UnixTime(seconds: 1_796_572_803)
        #expect(keys.make(id: 1, now: now) == "MQ:1xaEeh:55jjJQtJ6MQ6aCVHV0df5nt671ciEjJmaZfD1nscRuM")
        #expect(keys.make(id: 29, now: now) == "Mjk:1xaEeh:AA2a7WX_bQexF85qkNWyRJ2_h6Wi5vQ5W1pJrjT-k_o")
        #expect(EmailConfirmationKey.base62(1_796_572_803) == "1xaEeh")
        #expect(EmailConfirmationKey.base62(Substring("1xaEeh")) == 1_796_572_803)
        #expect(EmailConfirmationKey.base62(0) == "0")
    }

    @Test func keysHaveTheReferenceShapeAndCheck() throws {
        let keys = EmailConfirmationKey(secretKey: Self.secret, expireDays: 3)
        let now = UnixTime(seconds: 1_796_572_803)
        let key = keys.make(id: 11, now: now)
        let parts = key.split(separator: ":", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(parts[0] == "MTE")
        #expect(parts[2].count == 43)
        #expect(parts[2].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        #expect(keys.userID(from: key, now: now) == 11)
        #expect(keys.userID(from: key.replacingOccurrences(of: ":", with: "%3A"), now: now) == 11, "percent-encoded")
        #expect(keys.userID(from: key.replacingOccurrences(of: ":", with: "%3a"), now: now) == 11)
    }

    @Test func expiredTamperedAndForeignKeysAreRefused() {
        let keys = EmailConfirmationKey(secretKey: Self.secret, expireDays: 3)
        let now = UnixTime(seconds: 1_796_572_803)
        let key = keys.make(id: 1, now: now)
        #expect(keys.userID(from: key, now: now.adding(seconds: 3 * 86_400)) == 1)
        #expect(keys.userID(from: key, now: now.adding(seconds: 3 * 86_400 + 1)) == nil, "expired")
        #expect(EmailConfirmationKey(secretKey: Self.secret, expireDays: 0).userID(from: key, now: now.adding(seconds: 1)) == nil)
        var tampered = Array(key)
        tampered[tampered.count - 5] = tampered[tampered.count - 5] == "A" ? "B" : "A"
        #expect(keys.userID(from: String(tampered), now: now) == nil, "one signature character changed")
        #expect(keys.userID(from: "Mg" + key.dropFirst(2), now: now) == nil, "another id, same signature")
        #expect(EmailConfirmationKey(secretKey: "another-secret", expireDays: 3).userID(from: key, now: now) == nil)
        for garbage in ["", "not-a-key", ":", "::", "MQ::", "MQ:1xaEeh", "123", "%3A%3A", "MQ:!!:x"] {
            #expect(keys.userID(from: garbage, now: now) == nil, "\(garbage)")
        }
        // A signed payload that is not an integer (a Django site could sign anything with this salt).
        for payload in ["\"1\"", "1.5", "[1]", "null"] {
            let value = Base64.encodeURL(Array(payload.utf8)) + ":" + EmailConfirmationKey.base62(now.seconds)
            #expect(keys.userID(from: value + ":" + keys.signature(value), now: now) == nil, "\(payload)")
        }
        let value = Base64.encodeURL(Array("7".utf8)) + ":" + EmailConfirmationKey.base62(now.seconds)
        #expect(keys.userID(from: value + ":" + keys.signature(value), now: now) == 7)
    }

    @Test func theLinkIsJoinedLikeTheResetLink() throws {
        func link(_ env: [String: String]) throws -> String? {
            try Settings.load(from: env, requireDatabase: false).account.emailConfirmationLink(key: "MQ:1xaEeh:sig")
        }
        #expect(try link([:]) == nil)
        #expect(try link(["AUTHKIT_FRONTEND_BASE_URL": "https://app.example.com"])
                == "https://app.example.com/api/auth/registration/verify-email?key=MQ%3A1xaEeh%3Asig")
        #expect(try link(["AUTHKIT_FRONTEND_BASE_URL": "https://app.example.com/base/",
                          "AUTHKIT_REGISTER_EMAIL_CONFIRM_PATH": "/verify-email"])
                == "https://app.example.com/base/verify-email?key=MQ%3A1xaEeh%3Asig")
        #expect(try link(["AUTHKIT_FRONTEND_BASE_URL": "https://app.example.com/base",
                          "AUTHKIT_REGISTER_EMAIL_CONFIRM_PATH": "verify-email/"])
                == "https://app.example.com/base/verify-email/?key=MQ%3A1xaEeh%3Asig")
        #expect(FormURLEncoded.quotePlus("a b:c/é~") == "a+b%3Ac%2F%C3%A9~")
    }

    @Test func signUpPasswordRules() throws {
        let none = NewPasswordRules(policy: NewPasswordRules.policy(
            try Settings.load(from: ["AUTHKIT_PASSWORD_VALIDATORS": "none"], requireDatabase: false).passwords))
        #expect(none.registrationProblems("abcde") == ["This password is too short. It must contain at least 6 characters."])
        #expect(none.registrationProblems("abcdef").isEmpty)
        #expect(none.registrationProblems("12345678").isEmpty)
        let some = NewPasswordRules(policy: NewPasswordRules.policy(
            try Settings.load(from: ["AUTHKIT_PASSWORD_VALIDATORS": "similarity,length,numeric"], requireDatabase: false).passwords))
        #expect(some.registrationProblems("8412937465") == ["This password is entirely numeric."])
        #expect(some.registrationProblems("1234") == ["This password is too short. It must contain at least 8 characters.",
                                                      "This password is entirely numeric."])
        #expect(RegistrationController.usernameRule(String(repeating: "a", count: 151))
                == "Ensure this value has at most 150 characters (it has 151).")
        #expect(RegistrationController.usernameRule("acct bad!")?.hasPrefix("Enter a valid username.") == true)
        #expect(RegistrationController.usernameRule("acct_jürgen") == nil)
    }
}
