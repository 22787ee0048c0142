import ArgumentParser
import AuthKit
import PostgreSQL

/// `authkit user ...`: how operators (and the tests) manage accounts.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Create and manage user accounts.",
        subcommands: [Create.self, SetPassword.self, Deactivate.self, Activate.self, List.self])

    /// Password from `--password` or standard input (one trailing newline removed).
    struct PasswordOptions: ParsableArguments {
        @Option(help: "The password (visible in the process list: prefer --password-stdin).")
        var password: String?

        @Flag(help: "Read the password from standard input.")
        var passwordStdin = false

        func read() throws -> String {
            switch (password, passwordStdin) {
            case (let p?, false): return try check(p)
            case (nil, true):
                var text = ProcessEnvironment.readStandardInput()
                if text.hasSuffix("\n") { text.removeLast() }
                if text.hasSuffix("\r") { text.removeLast() }
                return try check(text)
            case (_?, true): throw ValidationError("give either --password or --password-stdin, not both")
            case (nil, false): throw ValidationError("a password is required: --password or --password-stdin")
            }
        }

        private func check(_ p: String) throws -> String {
            guard !p.isEmpty else { throw ValidationError("the password must not be empty") }
            return p
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Login name (letters, digits and @ . + - _; at most 150 characters).") var username: String
        @Option(help: "Email address (receives emailed MFA codes).") var email: String = ""
        @OptionGroup var password: PasswordOptions
        @Option(help: "Given name.") var firstName: String = ""
        @Option(help: "Family name.") var lastName: String = ""

        func run() throws {
            let settings = try options.settings()
            let secret = try password.read()
            try Accounts.validate(username: username)
            guard !email.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }), email.unicodeScalars.count <= 254 else {
                throw Accounts.failure("the email address must be at most 254 characters without line breaks")
            }
            let hash = DjangoPassword.make(secret, iterations: settings.hashing.passwordIterations)
            try Accounts.withStore(settings) { store in
                do {
                    let id = try store.create(username: username, email: email, passwordHash: hash,
                                              firstName: firstName, lastName: lastName)
                    print("created user \(username) (id \(id))")
                } catch UserStore.CreateFailure.duplicateUsername {
                    throw Accounts.failure("a user named \"\(username)\" already exists")
                }
            }
        }
    }

    struct SetPassword: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-password", abstract: "Set an account's password.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The username.") var username: String
        @OptionGroup var password: PasswordOptions

        func run() throws {
            let settings = try options.settings()
            let hash = DjangoPassword.make(try password.read(), iterations: settings.hashing.passwordIterations)
            try Accounts.withConnection(settings) { connection in
                let store = UserStore(connection)
                guard try store.setPassword(username: username, hash: hash), let (user, _) = try store.findForLogin(username: username)
                else { throw Accounts.failure("no user named \"\(username)\"") }
                // The owner hears of it: a password set behind their back does not go unnoticed.
                try SecurityNotices(settings.email).queue(.passwordChanged, to: user, outbox: OutboxStore(connection),
                                                          now: SystemTime().now(), requestID: "cli")
                print("password set for \(username)")
            }
        }
    }

    struct Deactivate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Block an account: no login, no authenticated request.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The username.") var username: String

        func run() throws { try Accounts.setActive(username, false, options) }
    }

    struct Activate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unblock a deactivated account.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The username.") var username: String

        func run() throws { try Accounts.setActive(username, true, options) }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts (id, username, email, active).")
        @OptionGroup var options: ConfigOptions

        func run() throws {
            try Accounts.withStore(try options.settings()) { store in
                for user in try store.list() {
                    print("\(user.id)\t\(user.username)\t\(user.email)\t\(user.isActive ? "active" : "inactive")")
                }
            }
        }
    }
}

enum Accounts {
    static func setActive(_ username: String, _ active: Bool, _ options: ConfigOptions) throws {
        try withStore(try options.settings()) { store in
            guard try store.setActive(username: username, active) else { throw failure("no user named \"\(username)\"") }
            print("\(active ? "activated" : "deactivated") \(username)")
        }
    }

    static func validate(username: String) throws {
        let context = FieldContext(methodNames: [], settings: try Settings.load(from: [:], requireDatabase: false))
        if case .failure(let problem) = Username.parse(.string(username), context: context) {
            throw failure(problem.messages.joined(separator: " "))
        }
        guard username == username.trimmingCharacters() else {
            throw failure("the username must not start or end with whitespace")
        }
    }

    static func withStore(_ settings: Settings, _ body: (UserStore) throws -> Void) throws {
        try withConnection(settings) { try body(UserStore($0)) }
    }

    static func withConnection(_ settings: Settings, _ body: (PGConnection) throws -> Void) throws {
        let connection: PGConnection
        do {
            connection = try Database.connect(settings.database, applicationName: "authkit cli")
        } catch {
            throw failure("cannot connect to the database: \(error.message)")
        }
        do {
            try body(connection)
        } catch let error as PGError {
            throw failure("database error: \(error.message)")
        }
    }

    static func failure(_ message: String) -> ExitCode {
        printError("error: \(message)")
        return ExitCode(1)
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
