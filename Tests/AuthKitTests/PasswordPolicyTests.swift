import Dispatch
import Foundation
import Testing
@testable import AuthKit

/// The password policy against what the reference said (docs/contract/account.md, variant with
/// Django's four validators) and against Django's and difflib's own code (vectors in
/// Tests/Fixtures/password_policy, written by its make_vectors.py).
@Suite struct PasswordPolicyTests {
    static let short = "This password is too short. It must contain at least 8 characters."
    static let common = "This password is too common."
    static let numeric = "This password is entirely numeric."
    static let similarUsername = "The password is too similar to the username."
    static let similarEmail = "The password is too similar to the email address."

    static func policy(_ environment: [String: String] = [:]) throws -> PasswordPolicy {
        let settings = try Settings.load(from: environment.merging(["AUTHKIT_DATABASE_URL": "postgresql:///x"]) { a, _ in a })
        return try PasswordPolicy(settings: settings.passwords)
    }

    static func user(_ username: String, _ email: String, first: String = "", last: String = "")
        -> PasswordPolicy.User {
        (username: username, email: email, firstName: first, lastName: last)
    }

    /// Registration on the reference (s12_variant_validators): the user does not exist yet, so
    /// no similarity check. Only the cases where cracklib and Django's list agree; the others are
    /// in `cracklibDiffersFromDjangosListHere`.
    @Test func recordedRegistrationVariant() throws {
        let policy = try Self.policy()
        let recorded: [(String, [String])] = [
            ("xK9#mQ2", [Self.short]),
            ("8412937465", [Self.numeric]),
            ("password123", [Self.common]),
            ("12345678", [Self.common, Self.numeric]),
            ("123456", [Self.short, Self.common, Self.numeric]),
            ("1234567", [Self.short, Self.common, Self.numeric]),
            ("abc", [Self.short, Self.common]),
            ("acct_v4_x", []),
            ("acct_vfive@example", []),
            ("Zebra-Quartz-88", []),
            ("Correct-Horse-91", []),
        ]
        for (password, messages) in recorded {
            #expect(policy.problems(password) == messages, "\(password)")
        }
    }

    /// Reset confirm and change on the reference (s13_variant_change_reset): the user is known.
    @Test func recordedResetAndChangeVariant() throws {
        let policy = try Self.policy()
        let v4 = Self.user("acct_v4", "acct_v4@example.com")
        let v5 = Self.user("acct_v5", "acct_vfive@example.com")
        #expect(policy.problems("acct_v4xx", user: v4) == [Self.similarUsername])
        #expect(policy.problems("acct_v4@example", user: v4) == [Self.similarEmail])
        #expect(policy.problems("Zebra-Quartz-88", user: v4) == [])
        #expect(policy.problems("acct_vfive@example", user: v5) == [Self.similarEmail])
        #expect(policy.problems("acct_v5_", user: v5) == [Self.similarUsername])
    }

    /// Where cracklib's dictionary answers differently from Django's list of 20,000 (the
    /// difference docs/compatibility.md states): cracklib judges nothing under 6 bytes but exact
    /// words, so `1234` and `12345` are not "too common"; and it finds words inside mangled
    /// passwords (`acct_v8` is "acct" plus 3 characters; "acct" is one of wamerican's words, which
    /// deploy installs so every machine builds the same dictionary), which Django's exact lookup
    /// does not.
    @Test func cracklibDiffersFromDjangosListHere() throws {
        let policy = try Self.policy()
        // Reference: short, common, numeric.
        #expect(policy.problems("1234") == [Self.short, Self.numeric])
        #expect(policy.problems("12345") == [Self.short, Self.numeric])
        #expect(policy.problems("1234", user: Self.user("acct_v4", "acct_v4@example.com"))
                == [Self.short, Self.numeric])
        // Reference: short only.
        #expect(policy.problems("acct_v8") == [Self.short, Self.common])
        // Reference: similar, short.
        #expect(policy.problems("acct_v4", user: Self.user("acct_v4", "acct_v4@example.com"))
                == [Self.similarUsername, Self.short, Self.common])
    }

    @Test func commonPasswords() throws {
        let policy = try Self.policy()
        for password in ["password", "Password", "  password ", "qwerty123", "letmein1", "dragon123", "drowssap1",
                         "aaaaaaaaaa", "abcdefgh"] {
            #expect(policy.problems(password) == [Self.common], "\(password)")
        }
        // Common and numeric, in Django's order.
        for password in ["123456789", "11111111", "98765432"] {
            #expect(policy.problems(password) == [Self.common, Self.numeric], "\(password)")
        }
    }

    @Test func strongPasswordsPass() throws {
        let policy = try Self.policy()
        let user = Self.user("alice", "alice@example.com", first: "Alice", last: "Liddell")
        for password in ["Zebra-Quartz-88", "S3cret-pass!", "xK9#mQ2vL", "New-Pass-4321"] {
            #expect(policy.problems(password, user: user) == [], "\(password)")
        }
        // Fixed, not random: cracklib may call a random string "based on a dictionary word"
        // (a short word can appear in one by chance), and a test must not flake.
        for password in ["q7Vt#Lm2@xPw9!Rd", "H4&nZs8*Ju3%Ye6k", "wB5=Kc9?Tq2+Mf7x", "Pj8@Dv3!Ns6#Gh4z"] {
            #expect(policy.problems(password, user: user) == [], "\(password)")
        }
    }

    /// Each validator's message alone, and Django's wording for the other attributes and for 1.
    @Test func eachValidatorsMessage() throws {
        let user = Self.user("jdoe", "jd@example.org", first: "Jonathan", last: "Worthington")
        let similarity = try Self.policy(["AUTHKIT_PASSWORD_VALIDATORS": "similarity"])
        #expect(similarity.problems("jdoe", user: user) == [Self.similarUsername])
        #expect(similarity.problems("jonathan1", user: user) == ["The password is too similar to the first name."])
        #expect(similarity.problems("worthington", user: user) == ["The password is too similar to the last name."])
        #expect(similarity.problems("jd@example", user: user) == [Self.similarEmail])
        #expect(similarity.problems("jdoe") == [], "no user: no similarity check (registration)")
        #expect(similarity.problems("1", user: user) == [])

        let length = try Self.policy(["AUTHKIT_PASSWORD_VALIDATORS": "length", "AUTHKIT_PASSWORD_MIN_LENGTH": "1"])
        #expect(length.problems("") == ["This password is too short. It must contain at least 1 character."])
        let twelve = try Self.policy(["AUTHKIT_PASSWORD_VALIDATORS": "length", "AUTHKIT_PASSWORD_MIN_LENGTH": "12"])
        #expect(twelve.problems("Zebra-Quartz") == [])
        #expect(twelve.problems("Zebra-Quart")
                == ["This password is too short. It must contain at least 12 characters."])
        // Characters as Python counts them: code points, not bytes or grapheme clusters.
        #expect(twelve.problems("e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}e\u{301}") == [])

        let common = try Self.policy(["AUTHKIT_PASSWORD_VALIDATORS": "common"])
        #expect(common.problems("password") == [Self.common])
        #expect(common.problems("1") == [])

        let numeric = try Self.policy(["AUTHKIT_PASSWORD_VALIDATORS": "numeric"])
        #expect(numeric.problems("8412937465") == [Self.numeric])
        #expect(numeric.problems("٣٤٥²") == [Self.numeric], "Python's isdigit: other scripts' digits, superscripts")
        #expect(numeric.problems("½") == [], "numeric but not a digit")
        #expect(numeric.problems("84129374a") == [])
    }

    /// Messages follow the configured order, like Django's AUTH_PASSWORD_VALIDATORS; none means none.
    @Test func validatorSettingChoosesAndOrders() throws {
        let reversed = try Self.policy(["AUTHKIT_PASSWORD_VALIDATORS": "numeric,common,length"])
        #expect(reversed.problems("1234567") == [Self.numeric, Self.common, Self.short])
        let none = try Self.policy(["AUTHKIT_PASSWORD_VALIDATORS": "none"])
        #expect(none.validators.isEmpty)
        #expect(none.problems("1", user: Self.user("1", "1@x.y")) == [])
        for bad in ["similarity,bogus", "length,length", ","] {
            #expect(throws: SettingsError.self) { try Self.policy(["AUTHKIT_PASSWORD_VALIDATORS": bad]) }
        }
    }

    @Test func dictionarySetting() throws {
        let settings = try Settings.load(from: ["AUTHKIT_DATABASE_URL": "postgresql:///x"]).passwords
        #expect(settings.commonDictionary == PasswordPolicy.systemDictionaryPath, "default: cracklib's own")
        #expect(settings.minimumLength == 8)
        #expect(settings.validators == [.similarity, .length, .common, .numeric])
        do {
            _ = try Self.policy(["AUTHKIT_PASSWORD_COMMON_DICT": "/nonexistent/cracklib_dict"])
            Issue.record("a missing dictionary was accepted")
        } catch let error as SettingsError {
            #expect(error.setting == "AUTHKIT_PASSWORD_COMMON_DICT")
            #expect(error.problem.contains("/nonexistent/cracklib_dict"))
        }
        // Without the common check the dictionary is never opened.
        _ = try Self.policy(["AUTHKIT_PASSWORD_COMMON_DICT": "/nonexistent/cracklib_dict",
                             "AUTHKIT_PASSWORD_VALIDATORS": "similarity,length,numeric"])
    }

    /// 4096-character passwords: cracklib reads 255 bytes, Django's length-ratio shortcut skips
    /// the short attributes, so a check stays far below the cost of hashing the password.
    @Test func longPasswordsAreQuick() throws {
        let policy = try Self.policy()
        let user = Self.user("alice", "alice@example.com", first: "Alice", last: "Liddell")
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#%&*+-=?@_")
        let random = String((0..<4096).map { _ in alphabet.randomElement()! })
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(policy.problems(random, user: user) == [])
            #expect(policy.problems(String(repeating: "7", count: 4096), user: user) == [Self.common, Self.numeric])
            // Django too: the length-ratio shortcut skips every attribute, and it is no exact word.
            #expect(policy.problems(String(repeating: "alice", count: 820), user: user) == [])
            #expect(policy.problems(String(repeating: "é", count: 4096)) == [Self.common])
            let wide = Self.user(String(repeating: "ab", count: 2048), String(repeating: "c", count: 4000) + "@x.org")
            _ = policy.problems(random, user: wide)
            _ = policy.problems(random + "\u{0}" + random)
        }
        #expect(elapsed < .seconds(2), "\(elapsed)")
    }

    /// cracklib is not thread-safe; the wrapper serialises it. Parallel checks agree with serial ones.
    @Test func parallelChecksAgree() throws {
        let policy = try Self.policy()
        let passwords = ["password123", "Zebra-Quartz-88", "12345678", "xK9#mQ2", "drowssap1", "S3cret-pass!"]
        let expected = passwords.map { policy.problems($0) }
        let results = UnsafeResults(count: 240)
        DispatchQueue.concurrentPerform(iterations: 240) { i in
            results.set(i, policy.problems(passwords[i % passwords.count]))
        }
        for i in 0..<240 {
            #expect(results.get(i) == expected[i % passwords.count])
        }
    }

    /// Django 5.2.19's validate_password with its similarity, length and numeric validators, on
    /// 600 random passwords and users (Unicode letters and digits, separators, combining marks,
    /// passwords up to 400 characters).
    @Test func djangoValidatorVectors() throws {
        let vectors = try Self.vectors("django_validators.json")
        #expect(vectors.count == 600)
        var policies: [Int: PasswordPolicy] = [:]
        for vector in vectors {
            let minimum = vector["min_length"] as! Int
            if policies[minimum] == nil {
                policies[minimum] = try Self.policy(["AUTHKIT_PASSWORD_VALIDATORS": "similarity,length,numeric",
                                                     "AUTHKIT_PASSWORD_MIN_LENGTH": String(minimum)])
            }
            let user = Self.user(vector["username"] as! String, vector["email"] as! String,
                                 first: vector["first_name"] as! String, last: vector["last_name"] as! String)
            let password = vector["password"] as! String
            #expect(policies[minimum]!.problems(password, user: user) == vector["messages"] as! [String],
                    "\(password) for \(user)")
        }
    }

    /// difflib's SequenceMatcher(a=, b=).quick_ratio(), to the last bit, on 400 random pairs
    /// (b up to 300 long: autojunk, which starts at 200, does not touch quick_ratio).
    @Test func quickRatioMatchesDifflib() throws {
        let vectors = try Self.vectors("quick_ratio.json")
        #expect(vectors.count == 400)
        for vector in vectors {
            let a = Array((vector["a"] as! String).unicodeScalars), b = Array((vector["b"] as! String).unicodeScalars)
            let expected = Double(vector["quick_ratio"] as! String)!
            #expect(SequenceSimilarity.quickRatio(a, b) == expected, "\(vector)")
        }
        #expect(SequenceSimilarity.quickRatio([], []) == 1.0)
    }

    /// re.split(r"\W+", ...) keeps the empty runs at either end.
    @Test func splitOnNonWordIsPythons() {
        func split(_ s: String) -> [String] {
            PythonText.splitOnNonWord(Array(s.unicodeScalars)).map { String(String.UnicodeScalarView($0)) }
        }
        #expect(split("acct_v4@example.com") == ["acct_v4", "example", "com"])
        #expect(split("@a..b@") == ["", "a", "b", ""])
        #expect(split("") == [""])
        #expect(split("jürgen-中文 x²") == ["jürgen", "中文", "x²"])
    }

    static func vectors(_ name: String) throws -> [[String: Any]] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/password_policy/\(name)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return object["vectors"] as! [[String: Any]]
    }
}

/// Results written by concurrent iterations, each to its own slot.
private final class UnsafeResults: @unchecked Sendable {
    private var slots: [[String]]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func set(_ i: Int, _ value: [String]) { lock.withLock { slots[i] = value } }
    func get(_ i: Int) -> [String] { lock.withLock { slots[i] } }
}
