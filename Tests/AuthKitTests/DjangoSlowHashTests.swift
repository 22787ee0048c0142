import PasswordHashes
import Testing
@testable import AuthKit

/// Hashes of Django's argon2 and bcrypt hashers: accepted at login, always upgraded, and any
/// malformed or absurd variant refused quickly as a mismatch.
@Suite struct DjangoSlowHashTests {
    /// Made by Django 5.2.19's make_password with argon2-cffi 25.1.0 and bcrypt 5.0.0. `default`: the
    /// hasher as shipped; the others are subclasses with smaller costs (`memory_cost = 512`,
    /// `parallelism = 2`, bcrypt `rounds = 5`), argon2i by overriding `params()` with
    /// `Type.I`, as Django before 3.2 made them.
    static let argon2: [(String, String)] = [
        ("S3cret-pass!", "argon2$argon2id$v=19$m=102400,t=2,p=8$bFZvcnJZQ0Q5TmgzREwzRG42dGQwVw$"
            + "unwRdCtE3UQtCbJvFp9/qJ24PvlKXv4PIlD1VS4fpbI"),  // default
        ("pässwörd 🙂", "argon2$argon2id$v=19$m=512,t=2,p=2$WWVSTkhYVXF0YXk0VXVWR0pLRW40WQ$"
            + "hgBoD2NcETIfk9m8CSRX97Ca8MxnWksZQBwKb8wMGAI"),
        ("S3cret-pass!", "argon2$argon2id$v=19$m=512,t=2,p=2$dmpqTDRLRThJdzFac1BDQjhta09OTA$"
            + "8Ae2ZM9oSDykv0bXBYkNdy/LzfjLCC1QfbE/jXe2dcI"),
        ("S3cret-pass!", "argon2$argon2i$v=19$m=512,t=2,p=2$VDh1V29mZTRNYWc2QWYzWHZTcnpsTA$"
            + "BUPs9/LhVXEwwtUIS8M49FE8ghGk3qE+dHOPsNFcvVA"),
        ("pässwörd 🙂", "argon2$argon2i$v=19$m=512,t=2,p=2$bkNLME9UZDVzY3YyaGp3d3dHQlhyQw$"
            + "sZO0E6/uoRAlC+eR5LRSJI+CaUu3yjPUDuJoOMAOxiw"),
        // argon2-cffi's hash_secret(version=0x10, hash_len=16): Django 5.2's check_password accepts
        // it, and the same hash without `v=` (how Django 1.10 stored version 0x10).
        ("S3cret-pass!", "argon2$argon2i$v=16$m=512,t=2,p=2$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$RdVUmz0ASlrdRaQz1OFuBw"),
        ("S3cret-pass!", "argon2$argon2i$m=512,t=2,p=2$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$RdVUmz0ASlrdRaQz1OFuBw"),
    ]

    static let bcrypt: [(String, String)] = [
        ("S3cret-pass!", "bcrypt_sha256$$2b$12$/utBqlPzTi03cfA3zlBYB.rjNrUz6HvzqiBXw1/fjn9dwDZJp3Yz6"),  // default
        ("S3cret-pass!", "bcrypt_sha256$$2b$05$Zvf/eUH7gzsnYTaA7SKnAu//Gk2tuqn0DMl48NcspoSXYsiJ5Z/Ga"),
        ("pässwörd 🙂", "bcrypt_sha256$$2b$05$zCAK9OUSobEPJhdxYhhsFOVBtqrUBma0N1UYVii1fdQqIDxKnhXTG"),
        (String(repeating: "x", count: 100),
         "bcrypt_sha256$$2b$05$mRSqXQeS.kT9r65bQlC4oO8qxRBt9hdKO0Qr7rDT0XKXpohDf8NKu"),
        ("S3cret-pass!", "bcrypt$$2b$05$zpObQSRBoYr79M0ligaYTuGrsbE.c7mjM5z9lImu3k3wLYck6cYoe"),
        ("pässwörd 🙂", "bcrypt$$2b$05$M8IkO.3pXInsc.svijTLde4DrfI4ugrk9bbHBEzjBFpudcD/9KBcq"),
    ]

    @Test(arguments: argon2 + bcrypt)
    func djangoHashVerifiesAndIsUpgraded(_ vector: (String, String)) {
        let (password, hash) = vector
        #expect(DjangoPassword.verify(password, against: hash, currentIterations: 1000) == .match(needsUpgrade: true))
        #expect(DjangoPassword.verify(password + "x", against: hash, currentIterations: 1000) == .mismatch)
        #expect(DjangoPassword.verify("", against: hash, currentIterations: 1000) == .mismatch)
    }

    @Test func bcryptSHA256CountsTheWholePassword() {
        // Plain bcrypt reads 72 bytes; Django's bcrypt_sha256 hashes first, so the 101st byte counts.
        let long = Self.bcrypt[3]
        #expect(DjangoPassword.verify(long.0 + "y", against: long.1, currentIterations: 1000) == .mismatch)
        #expect(DjangoPassword.verify(String(long.0.prefix(72)), against: long.1, currentIterations: 1000) == .mismatch)
    }

    static let small = "argon2$argon2id$v=19$m=512,t=2,p=2$dmpqTDRLRThJdzFac1BDQjhta09OTA$"
        + "8Ae2ZM9oSDykv0bXBYkNdy/LzfjLCC1QfbE/jXe2dcI"

    /// `small` with one part replaced.
    static func small(_ part: String, _ replacement: String) -> String {
        small.replacingOccurrences(of: part, with: replacement)
    }

    /// Variants of a valid hash; the absurd costs must be refused before libargon2 allocates
    /// anything (the whole list runs in well under a second).
    static let malformedArgon2: [String] = [
        "argon2$", "argon2$argon2id", "argon2$argon2id$v=19$m=512,t=2,p=2$dmpqTDRLRThJdzFac1BDQjhta09OTA",
        String(small.dropLast(10)), String(small.dropLast(43)), small + "$", small + "AAAA",
        small("$8Ae2", "$*Ae2"), small("OTA$", "OTA=$"),
        small("dmpqTDRLRThJdzFac1BDQjhta09OTA", "c2FsdA"),  // 4-byte salt
        small("dmpqTDRLRThJdzFac1BDQjhta09OTA", ""),
        small("argon2id", "argon2x"), small("argon2id", "ARGON2ID"),
        small("v=19", "v=20"), small("v=19", "v=+19"),
        small("v=19", "v="), small("v=19$", "v=19$v=19$"),
        small("m=512", "m=4294967295"), small("m=512", "m=1048577"),
        small("m=512", "m=99999999999999999999"), small("m=512", "m=0"),
        small("m=512", "m=8"), small("m=512", "m=-1"),
        small("t=2", "t=4294967295"), small("t=2", "t=21"),
        small("t=2", "t=0"), small("p=2", "p=65"),
        small("p=2", "p=0"), small("p=2", "p=4294967295"),
        small("m=512,t=2,p=2", "t=2,m=512,p=2"),
        small("m=512,t=2,p=2", "m=512,t=2"),
        small("m=512,t=2,p=2", "m=512,t=2,p=2,k=1"),
        small("m=512,t=2,p=2", "m=512 ,t=2,p=2"),
        "argon2$argon2id$v=19$m=512,t=2,p=2$" + String(repeating: "A", count: 200)
            + "$8Ae2ZM9oSDykv0bXBYkNdy/LzfjLCC1QfbE",
        "argon2$argon2id$v=19$m=512,t=2,p=2$dmpqTDRLRThJdzFac1BDQjhta09OTA$" + String(repeating: "A", count: 100),
        "argon2$argon2id$v=19$m=512,t=2,p=2$dmpqTDRLRThJdzFac1BDQjhta09OTA$AAA",  // 2-byte hash
        "argon2argon2id$v=19$m=512,t=2,p=2$dmpqTDRLRThJdzFac1BDQjhta09OTA$8Ae2ZM9oSDykv0bXBYkNdy",
    ]

    @Test func malformedArgon2IsAMismatchAndCheap() {
        // The variants that still compute (other salt, hash or version) cost m=512: a millisecond.
        let start = ContinuousClock.now
        for bad in Self.malformedArgon2 {
            #expect(DjangoPassword.verify("S3cret-pass!", against: bad, currentIterations: 1000) == .mismatch, "\(bad)")
        }
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    static let bcryptSHA256 = "bcrypt_sha256$$2b$05$Zvf/eUH7gzsnYTaA7SKnAu//Gk2tuqn0DMl48NcspoSXYsiJ5Z/Ga"

    static let malformedBCrypt: [String] = [
        "bcrypt_sha256$", "bcrypt$", "bcrypt_sha256$$2b$05$", String(bcryptSHA256.dropLast()), bcryptSHA256 + "a",
        bcryptSHA256.replacingOccurrences(of: "$$2b$05$", with: "$2b$05$"),
        bcryptSHA256.replacingOccurrences(of: "$2b$05$", with: "$2b$31$"),
        bcryptSHA256.replacingOccurrences(of: "$2b$05$", with: "$2b$17$"),
        bcryptSHA256.replacingOccurrences(of: "$2b$05$", with: "$2b$03$"),
        bcryptSHA256.replacingOccurrences(of: "$2b$05$", with: "$2b$5a$"),
        bcryptSHA256.replacingOccurrences(of: "$2b$05$", with: "$2x$05$"),
        bcryptSHA256.replacingOccurrences(of: "$2b$05$", with: "$1$05$"),
        bcryptSHA256.replacingOccurrences(of: "$2b$05$", with: "$5$rounds=5000$"),
        bcryptSHA256.replacingOccurrences(of: "Zvf/", with: "Zvf+"),
        bcryptSHA256.replacingOccurrences(of: "Zvf/", with: "Zvf$"),
        bcryptSHA256.replacingOccurrences(of: "bcrypt_sha256", with: "bcrypt_sha512"),
        bcryptSHA256.replacingOccurrences(of: "Ga", with: "Gé"),
    ]

    @Test func malformedBCryptIsAMismatchAndCheap() {
        let start = ContinuousClock.now
        for bad in Self.malformedBCrypt {
            #expect(DjangoPassword.verify("S3cret-pass!", against: bad, currentIterations: 1000) == .mismatch, "\(bad)")
        }
        #expect(ContinuousClock.now - start < .seconds(1))
        // The same bcrypt under the other Django hasher: the password goes in differently.
        let plain = Self.bcryptSHA256.replacingOccurrences(of: "bcrypt_sha256$", with: "bcrypt$")
        #expect(DjangoPassword.verify("S3cret-pass!", against: plain, currentIterations: 1000) == .mismatch)
        // C strings cannot carry NUL: refused rather than cut short.
        let nul = Self.bcrypt[4]
        #expect(DjangoPassword.verify(nul.0 + "\0tail", against: nul.1, currentIterations: 1000) == .mismatch)
    }

    @Test func wrapperRefusesOutOfRangeParameters() {
        let salt = Array("abcdefghijklmnopqrstuv".utf8)
        func attempt(m: Int = 512, t: Int = 2, p: Int = 2, version: Int = 0x13, length: Int = 32) -> Bool {
            (try? Argon2.hash(.id, version: version, memoryKiB: m, iterations: t, lanes: p,
                              password: [1, 2, 3], salt: salt, outputLength: length)) != nil
        }
        #expect(attempt())
        for refused in [attempt(m: Argon2.maximumMemoryKiB + 1), attempt(m: Int(UInt32.max)), attempt(m: Int.max),
                        attempt(m: 15), attempt(t: 0), attempt(t: 21), attempt(p: 0), attempt(p: 65),
                        attempt(version: 0x14), attempt(length: 3), attempt(length: 65), attempt(m: -1)] {
            #expect(refused == false)
        }
        #expect(throws: PasswordHashError.self) {
            try BCrypt.hash([1], setting: "$2b$31$abcdefghijklmnopqrstuu")
        }
        #expect(throws: PasswordHashError.self) {
            try BCrypt.hash([0x61, 0, 0x62], setting: "$2b$04$abcdefghijklmnopqrstuu")
        }
        #expect((try? BCrypt.hash([0x61], setting: "$2b$04$abcdefghijklmnopqrstuu"))?.count == 60)
    }
}
