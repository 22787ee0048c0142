/// A security notification: the account's owner learns by email of every change to how they
/// sign in (django-allauth sends these; drf-auth-kit does not). Each kind can be switched off
/// (AUTHKIT_SECURITY_NOTICES) and its text replaced (`notice_<kind>.txt` in
/// AUTHKIT_EMAIL_TEMPLATE_DIR: the first line is the subject, the rest the body; `{{username}}`,
/// `{{method}}` and `{{remaining}}` are filled in). No notice ever holds a code or a secret.
public enum SecurityNotice: String, Sendable, CaseIterable {
    case passwordChanged = "password_changed"
    case methodActivated = "method_activated"
    case methodDeactivated = "method_deactivated"
    case methodDeleted = "method_deleted"
    case primaryChanged = "primary_changed"
    case backupCodesRegenerated = "backup_codes_regenerated"
    case backupCodeUsed = "backup_code_used"

    /// The built-in subject and body.
    var builtIn: (subject: String, body: String) {
        switch self {
        case .passwordChanged:
            return ("Your password was changed", """
                Hello {{username}},

                The password of your account was just changed, and every session signed in with the old one was ended.
                If you did not do this, reset your password at once and contact your administrator.

                """)
        case .methodActivated:
            return ("A two-step verification method was added", """
                Hello {{username}},

                The two-step verification method "{{method}}" was just activated on your account.
                If you did not do this, someone may have your password: change it and contact your administrator.

                """)
        case .methodDeactivated:
            return ("A two-step verification method was turned off", """
                Hello {{username}},

                The two-step verification method "{{method}}" was just deactivated on your account.
                If you did not do this, change your password and contact your administrator.

                """)
        case .methodDeleted:
            return ("A two-step verification method was removed", """
                Hello {{username}},

                The two-step verification method "{{method}}" was just removed from your account.
                If you did not do this, change your password and contact your administrator.

                """)
        case .primaryChanged:
            return ("Your main two-step verification method changed", """
                Hello {{username}},

                "{{method}}" is now the method your account asks for when you sign in.
                If you did not do this, change your password and contact your administrator.

                """)
        case .backupCodesRegenerated:
            return ("New backup codes were made", """
                Hello {{username}},

                New backup codes were just made for "{{method}}"; the old ones no longer work.
                If you did not do this, change your password and contact your administrator.

                """)
        case .backupCodeUsed:
            return ("A backup code was used", """
                Hello {{username}},

                A backup code of "{{method}}" was just used on your account; {{remaining}} remain.
                If you did not do this, change your password and contact your administrator.

                """)
        }
    }
}

/// Queues the enabled security notices, in the caller's transaction where there is one.
public struct SecurityNotices: Sendable {
    let enabled: Set<SecurityNotice>
    let texts: [SecurityNotice: (subject: String, body: String)]
    /// Seconds a notice may still be delivered (the outbox retention).
    let validity: Int64

    public init(_ settings: EmailSettings) {
        enabled = Set(settings.securityNotices)
        validity = settings.retention
        var texts: [SecurityNotice: (subject: String, body: String)] = [:]
        for kind in SecurityNotice.allCases {
            texts[kind] = settings.templateDirectory.flatMap { Self.override(kind, in: $0) } ?? kind.builtIn
        }
        self.texts = texts
    }

    /// An operator's `notice_<kind>.txt`: subject on the first line, body after it.
    static func override(_ kind: SecurityNotice, in directory: String) -> (subject: String, body: String)? {
        guard let text = ProcessEnvironment.readFile(directory + "/notice_" + kind.rawValue + ".txt"),
              let newline = text.firstIndex(of: "\n") else { return nil }
        let subject = text[..<newline].trimmingWhitespace()
        guard !subject.isEmpty else { return nil }
        return (subject, String(text[text.index(after: newline)...]))
    }

    /// Queues `kind` for `user` (nothing when it is switched off or the user has no address).
    public func queue(_ kind: SecurityNotice, to user: User, method: String? = nil, remaining: Int? = nil,
                      outbox: OutboxStore, now: UnixTime, requestID: String) throws {
        guard enabled.contains(kind), !user.email.isEmpty, let text = texts[kind] else { return }
        func fill(_ template: String) -> String {
            template.replacingOccurrences("{{username}}", with: user.username)
                .replacingOccurrences("{{method}}", with: method ?? "")
                .replacingOccurrences("{{remaining}}", with: remaining.map(String.init) ?? "")
        }
        // A header line must stay one line whatever a name holds.
        let subject = fill(text.subject).filter { $0 != "\r" && $0 != "\n" }
        try outbox.enqueueNotice(userID: user.id, recipient: user.email, subject: subject, body: fill(text.body),
                                 validUntil: now.seconds + validity, requestID: requestID)
    }
}
