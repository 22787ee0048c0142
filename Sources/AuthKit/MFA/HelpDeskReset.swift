import PostgreSQL

/// Help-desk reset (`authkit mfa reset USER [--method NAME]`): a user who lost their phone gets
/// their second factors removed, with one `reset` audit row per method and — where the account
/// has an email address — a notice through the outbox, so a reset done behind the owner's back
/// does not go unnoticed.
public struct HelpDeskReset {
    let connection: PGConnection
    let noticeValidity: Int64

    /// `noticeValidity`: seconds the notice may still be delivered (the outbox retention).
    public init(_ connection: PGConnection, noticeValidity: Int64) {
        self.connection = connection
        self.noticeValidity = noticeValidity
    }

    public static let subject = "Your two-step verification was reset"

    /// Removes the methods in one transaction with their audit rows and the notice; returns
    /// the names removed (empty: nothing to do, nothing sent).
    public func reset(_ user: User, method: String?, now: UnixTime,
                      origin: EventOrigin = .commandLine) throws -> [String] {
        try connection.transaction {
            let removed = try MFAStore(connection).reset(userID: user.id, method: method, origin: origin)
            // Whoever holds a session may be the reason for the reset: every session ends.
            if !removed.isEmpty { try UserStore(connection).revokeSessions(id: user.id, now: now.seconds) }
            if !removed.isEmpty && !user.email.isEmpty {
                try OutboxStore(connection).enqueueNotice(userID: user.id, recipient: user.email, subject: Self.subject,
                                                          body: Self.body(username: user.username, removed: removed),
                                                          validUntil: now.seconds + noticeValidity,
                                                          requestID: origin.requestID)
            }
            return removed
        }
    }

    static func body(username: String, removed: [String]) -> String {
        """
        Hello \(username),

        An administrator removed these two-step verification methods from your account: \(removed.joined(separator: ", ")).
        You can sign in with your password alone until you set up a new method.

        If you did not ask for this, contact your administrator at once and change your password.

        """
    }
}
