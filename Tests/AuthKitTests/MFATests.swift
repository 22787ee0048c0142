import CryptoCore
import Testing
@testable import AuthKit

@Suite struct TOTPTests {
    static let sha1Seed = Array("12345678901234567890".utf8)
    static let sha256Seed = Array("12345678901234567890123456789012".utf8)
    static let sha512Seed = Array("1234567890123456789012345678901234567890123456789012345678901234".utf8)

    /// RFC 6238 Appendix B (8 digits), including t = 20000000000 (past 2^32).
    static let appendixB: [(Int64, String, String, String)] = [
        (59, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ]

    @Test(arguments: appendixB)
    func rfc6238AppendixB(time: Int64, sha1: String, sha256: String, sha512: String) {
        #expect(TOTP(secret: Self.sha1Seed, interval: 30, digits: 8, algorithm: .sha1).code(at: time) == sha1)
        #expect(TOTP(secret: Self.sha256Seed, interval: 30, digits: 8, algorithm: .sha256).code(at: time) == sha256)
        #expect(TOTP(secret: Self.sha512Seed, interval: 30, digits: 8, algorithm: .sha512).code(at: time) == sha512)
        // The 6-digit codes are the last six digits.
        #expect(TOTP(secret: Self.sha1Seed, interval: 30).code(at: time) == String(sha1.suffix(6)))
    }

    @Test func rfc4226AppendixD() {
        let expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
        let hotp = TOTP(secret: Self.sha1Seed, interval: 30)
        for (counter, code) in expected.enumerated() { #expect(hotp.code(step: Int64(counter)) == code) }
    }

    /// Computed by pyotp 2.11.1 (drf-auth-kit's dependency).
    static let pyotp: [(String, Int64, Int64, String)] = [
        ("W2LOSL3BKBV4ZROP2EFOOOSYXMB73N7A", 1795612600, 30, "934866"),
        ("W2LOSL3BKBV4ZROP2EFOOOSYXMB73N7A", 1795612600, 180, "379538"),
        ("JBSWY3DPEHPK3PXP", 59, 30, "996554"),
        ("DVP7VKZKTPWUFBJUAWOQBJOJ6QL2BNSK", 2000000000, 30, "242641"),
        ("DVP7VKZKTPWUFBJUAWOQBJOJ6QL2BNSK", 20000000000, 180, "988433"),
    ]

    @Test(arguments: pyotp)
    func matchesPyOTP(secret: String, time: Int64, interval: Int64, code: String) throws {
        #expect(try #require(TOTP(base32: secret, interval: interval)).code(at: time) == code)
    }

    @Test func windowAndSteps() throws {
        let totp = TOTP(secret: Self.sha1Seed, interval: 30)
        // STANDARDS.md: at t = 1111111109 the codes of T-1, T, T+1 are 731029, 081804, 050471.
        let t: Int64 = 0x23523EC
        #expect(totp.matchingStep("081804", at: 1111111109, window: 0) == t)
        #expect(totp.matchingStep("731029", at: 1111111109, window: 0) == nil)
        #expect(totp.matchingStep("731029", at: 1111111109, window: 1) == t - 1)
        #expect(totp.matchingStep("050471", at: 1111111109, window: 1) == t + 1)
        #expect(totp.matchingStep("08180", at: 1111111109, window: 1) == nil)
        let secret = TOTP.newSecret()
        #expect(secret.count == 32 && secret.allSatisfy { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".contains($0) })
        #expect(Base32.decode(secret)?.count == 20)
    }
}

@Suite struct EphemeralTokenTests {
    let tokens = EphemeralToken(secretKey: "test-secret-key-for-interop-0123456789abcdef", expiry: 900)

    @Test func formatAndValidation() throws {
        let token = tokens.make(userID: 2, method: "app", email: "bob@example.com", lastLoginMicros: nil, passwordHash: "h1",
                               issuedAt: 1795612590)
        let parts = token.split(separator: "-")
        #expect(parts.count == 4 && parts[0] == "2" && parts[1] == "app" && parts[2] == "tp27ji" && parts[3].count == 40)
        let parsed = try #require(EphemeralToken.parse(token))
        #expect(parsed.userID == 2 && parsed.method == "app" && parsed.timestamp == 1795612590)
        #expect(tokens.isValid(parsed, email: "bob@example.com", lastLoginMicros: nil, passwordHash: "h1", now: 1795612590 + 900))
        #expect(!tokens.isValid(parsed, email: "bob@example.com", lastLoginMicros: nil, passwordHash: "h1", now: 1795612590 + 901))
        // A new email or a login since the token was issued invalidates it.
        #expect(!tokens.isValid(parsed, email: "new@example.com", lastLoginMicros: nil, passwordHash: "h1", now: 1795612600))
        #expect(!tokens.isValid(parsed, email: "bob@example.com", lastLoginMicros: 1795612599_000000, passwordHash: "h1", now: 1795612600))
        // So does a new password.
        #expect(!tokens.isValid(parsed, email: "bob@example.com", lastLoginMicros: nil, passwordHash: "h2", now: 1795612600))
        // The method is bound by the MAC.
        let other = try #require(EphemeralToken.parse(token.replacingOccurrences("-app-", with: "-email-")))
        #expect(!tokens.isValid(other, email: "bob@example.com", lastLoginMicros: nil, passwordHash: "h1", now: 1795612600))
    }

    @Test func malformedTokens() {
        for bad in ["garbage", "2-app-tp27e6", "x-app-tp27e6-ab", "2-app-!!-ab", "0-app-tp27e6-ab", "-app-1-ab", "2--1-ab"] {
            #expect(EphemeralToken.parse(bad) == nil, "\(bad)")
        }
    }
}

@Suite struct BackupCodeTests {
    @Test func generation() {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        let codes = BackupCodes.generate(count: 5, length: 12, alphabet: alphabet)
        #expect(codes.count == 5 && Set(codes).count == 5)
        #expect(codes.allSatisfy { $0.count == 12 && $0.allSatisfy { alphabet.contains($0) } })
    }

    @Test func hashingIsPerMethodSaltAndSchemeStable() {
        let b = BackupCodes(secretKey: "k")
        let slow = b.hash("K3JSWN3TP0DX", salt: "s1", scheme: .pbkdf2(iterations: 1000))
        #expect(slow == b.hash("K3JSWN3TP0DX", salt: "s1", scheme: .pbkdf2(iterations: 1000)))
        #expect(slow != b.hash("K3JSWN3TP0DX", salt: "s2", scheme: .pbkdf2(iterations: 1000)))
        #expect(slow != b.hash("k3jswn3tp0dx", salt: "s1", scheme: .pbkdf2(iterations: 1000)))
        #expect(b.hash("X", salt: "s", scheme: .hmac) != BackupCodes(secretKey: "other").hash("X", salt: "s", scheme: .hmac))
        #expect(BackupCodes.Scheme(text: "pbkdf2_sha256$1000000") == .pbkdf2(iterations: 1_000_000))
        #expect(BackupCodes.Scheme(text: "hmac_sha256") == .hmac)
        #expect(BackupCodes.Scheme(text: "md5") == nil)
    }
}

@Suite struct OTPAuthURITests {
    @Test func matchesPyOTP() {
        #expect(OTPAuthURI.make(issuer: "MyApplication", username: "erin", secret: "W2LOSL3BKBV4ZROP2EFOOOSYXMB73N7A")
                == "otpauth://totp/MyApplication:erin?secret=W2LOSL3BKBV4ZROP2EFOOOSYXMB73N7A&issuer=MyApplication")
        // pyotp 2.11.1: provisioning_uri(name="jo+a@b c", issuer_name="My App/x").
        #expect(OTPAuthURI.make(issuer: "My App/x", username: "jo+a@b c", secret: "W2LOSL3BKBV4ZROP2EFOOOSYXMB73N7A")
                == "otpauth://totp/My%20App/x:jo%2Ba%40b%20c?secret=W2LOSL3BKBV4ZROP2EFOOOSYXMB73N7A&issuer=My%20App%2Fx")
        #expect(OTPAuthURI.quote("ålice") == "%C3%A5lice")
    }
}

@Suite struct EmailMessageTests {
    @Test func djangoShape() throws {
        let text = try EmailMessage.verificationCode("110428", to: "carol@example.com", from: "webmaster@localhost")
            .rendered(date: UnixTime(seconds: 1795612594))
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines[0] == "Content-Type: multipart/alternative;")
        #expect(lines[1].hasPrefix(" boundary=\"==============="))
        #expect(lines[2...6].joined(separator: "|")
                == "MIME-Version: 1.0|Subject: Your verification code|From: webmaster@localhost|To: carol@example.com|Date: Wed, 25 Nov 2026 13:16:34 -0000")
        #expect(lines[7].hasPrefix("Message-ID: <"))
        #expect(text.contains("Content-Type: text/plain; charset=\"utf-8\"\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: 7bit\r\n\r\n110428\r\n\r\n--"))
        #expect(text.contains("Content-Type: text/html; charset=\"utf-8\"\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: 7bit\r\n\r\n110428\r\n\r\n--"))
        #expect(text.hasSuffix("==--\r\n"))
    }

    /// The outbox's Message-ID comes from the row alone, so each attempt at a row repeats it.
    @Test func outboxMessageIDIsDerivedFromTheRow() throws {
        #expect(EmailMessage.outboxMessageID(id: 42, createdMicroseconds: 36, from: "Acme <no-reply@mail.example.com>")
                == "<outbox-42.10@mail.example.com>")
        #expect(EmailMessage.outboxMessageID(id: 1, createdMicroseconds: 1, from: "webmaster@localhost") == "<outbox-1.1@localhost>")
        #expect(EmailMessage.outboxMessageID(id: 1, createdMicroseconds: 1, from: "nobody") == "<outbox-1.1@localhost>")
        #expect(EmailMessage.outboxMessageID(id: 1, createdMicroseconds: 1, from: "a@b>c") == "<outbox-1.1@localhost>")
        var message = EmailMessage.verificationCode("1", to: "a@b.c", from: "w@l")
        message.messageID = "<outbox-7.x@l>"
        #expect(try message.rendered(date: UnixTime(seconds: 0)).contains("\r\nMessage-ID: <outbox-7.x@l>\r\n"))
    }

    @Test func headerInjectionIsRefused() {
        #expect(throws: EmailError.self) {
            try EmailMessage.verificationCode("1", to: "a@b.c\r\nBcc: evil@x.y", from: "w@l").rendered(date: UnixTime(seconds: 0))
        }
    }
}

@Suite struct AuthTimeClaimTests {
    @Test func authTimeTravelsInTheTokenAndIsOptional() throws {
        let issuer = TokenIssuer(settings: try Settings.load(from: ["AUTHKIT_SECRET_KEY": String(repeating: "k", count: 40)],
                                                             requireDatabase: false).tokens)
        let now = UnixTime(seconds: 1_800_000_000)
        let withTime = issuer.issue(.access, userID: "7", now: now, authTime: 1_799_999_000)
        #expect(try issuer.jwt.verify(withTime.token, expected: .access, now: now.seconds).authTime == 1_799_999_000)
        let without = issuer.issue(.access, userID: "7", now: now)
        #expect(try issuer.jwt.verify(without.token, expected: .access, now: now.seconds).authTime == nil)
    }
}
