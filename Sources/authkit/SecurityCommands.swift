import ArgumentParser
import AuthKit
import CryptoCore
import PostgreSQL

/// `authkit mfa ...`: second-factor administration.
struct MFACommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mfa", abstract: "Second-factor administration.",
                                                    subcommands: [Unlock.self, Reset.self])

    struct Unlock: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Clear the attempt limits and locks of a user's second factors.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The username.") var username: String

        func run() throws {
            let settings = try options.settings()
            try Accounts.withConnection(settings) { connection in
                guard let (user, _) = try UserStore(connection).findForLogin(username: username) else {
                    throw Accounts.failure("no user named \"\(username)\"")
                }
                let count = try MFAStore(connection).unlock(userID: user.id, origin: .commandLine)
                print("unlocked \(count) method(s) of \(username)")
            }
        }
    }
}

extension MFACommand {
    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a user's second factors (lost phone): all of them, or the one named; audited, and the user is told by email.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The username.") var username: String
        @Option(help: "Remove only this method (app, email, ...).") var method: String?

        func run() throws {
            let settings = try options.settings()
            try Accounts.withConnection(settings) { connection in
                guard let (user, _) = try UserStore(connection).findForLogin(username: username) else {
                    throw Accounts.failure("no user named \"\(username)\"")
                }
                let removed = try HelpDeskReset(connection, noticeValidity: settings.email.retention)
                    .reset(user, method: method, now: SystemTime().now())
                guard !removed.isEmpty else {
                    throw Accounts.failure(method.map { "\(username) has no \($0) method" } ?? "\(username) has no second factor")
                }
                let notice = user.email.isEmpty ? "no email address to notify" : "notice queued to the user's email address"
                print("removed \(removed.joined(separator: ", ")) of \(username); \(notice)")
            }
        }
    }
}

/// `authkit secrets ...`: TOTP secrets at rest.
struct SecretsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "secrets", abstract: "TOTP secrets at rest.",
                                                    subcommands: [Rotate.self, GenerateKey.self, DerivedKey.self])

    struct GenerateKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-key",
            abstract: "Print a new random key entry for AUTHKIT_SECRET_ENCRYPTION_KEYS (id:base64 of 32 bytes).")
        @Option(help: "The key's id (letters, digits, _ and -); each key in the list needs its own.") var id = "k1"

        func run() throws {
            guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw Accounts.failure("the id may hold letters, digits, _ and - only")
            }
            print("\(id):\(Base64.encode(SecureRandom.bytes(32)))")
        }
    }

    struct DerivedKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "derived-key",
            abstract: "Print the development key derived from AUTHKIT_SECRET_KEY as a key entry (k0:...), to list after a new key while `authkit secrets rotate` moves existing secrets off it.")
        @OptionGroup var options: ConfigOptions

        func run() throws {
            let settings = try options.settings(requireDatabase: false, requireSecretKey: true)
            print("k0:\(Base64.encode(SecretBox.derivedKey(settings.tokens.secretKey)))")
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encrypt every TOTP secret with the newest key of AUTHKIT_SECRET_ENCRYPTION_KEYS (also encrypts legacy plaintext rows).",
            aliases: ["encrypt"])
        @OptionGroup var options: ConfigOptions

        func run() throws {
            let settings = try options.settings(requireSecretKey: true)
            try Accounts.withConnection(settings) { connection in
                let result = try SecretRotation(connection: connection, box: SecretBox(keys: settings.security.encryptionKeys)).run()
                print("re-encrypted \(result.rotated) secret(s); \(result.current) already current; \(result.unreadable) unreadable")
                if result.unreadable > 0 { throw Accounts.failure("some secrets could not be decrypted with the configured keys") }
            }
        }
    }
}
