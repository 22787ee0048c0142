import ArgumentParser
import AuthKit
import PostgreSQL

/// `authkit events ...`: the MFA audit trail (`mfa_events`).
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "The second-factor audit trail.",
        subcommands: [List.self, Purge.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A user's events, newest first: time, method, event, code kind, client address, request id, user-agent hash.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "The username.") var user: String
        @Option(help: "At most this many events.") var limit: Int = 50

        func validate() throws {
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 100000") }
        }

        func run() throws {
            let settings = try options.settings()
            try Accounts.withConnection(settings) { connection in
                guard let (account, _) = try UserStore(connection).findForLogin(username: user) else {
                    throw Accounts.failure("no user named \"\(user)\"")
                }
                let rows = try AuditTrail(connection).events(userID: account.id, limit: limit)
                print(["time", "method", "event", "code", "client_ip", "request_id", "user_agent"].joined(separator: "\t"))
                for row in rows {
                    let fields = [row.time, row.method, row.event, row.codeKind, row.clientIP, row.requestID, row.userAgentHash]
                    print(fields.map { $0.isEmpty ? "-" : $0 }.joined(separator: "\t"))
                }
            }
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete events older than AUTHKIT_EVENT_RETENTION_DAYS (the maintenance thread of `serve` does this too).")
        @OptionGroup var options: ConfigOptions

        func run() throws {
            let settings = try options.settings()
            try Accounts.withConnection(settings) { connection in
                let days = settings.maintenance.eventRetentionDays
                let purge = AuthKit.Purge("mfa_events") { try AuditTrail($0).purge(olderThanDays: days, limit: $1) }
                let count = try purge.drain(limit: settings.maintenance.purgeBatch, isStopping: { false }) {
                    try $0(connection)
                }
                print("purged \(count) event(s) older than \(settings.maintenance.eventRetentionDays) day(s)")
            }
        }
    }
}
