import ArgumentParser
import AuthKit
import PostgreSQL

/// `authkit mfa ...`: second-factor administration.
struct MFACommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mfa", abstract: "Second-factor administration.",
                                                    subcommands: [Unlock.self])

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

/// `authkit secrets ...`: TOTP secrets at rest.
struct SecretsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "secrets", abstract: "TOTP secrets at rest.",
                                                    subcommands: [Rotate.self])

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
