import SMTP

/// Delivers over SMTP with libcurl (AUTHKIT_EMAIL_URL, STARTTLS, AUTH, timeouts).
public struct SMTPMailer: Mailer {
    let client: SMTPClient

    public init(settings: EmailSettings) {
        client = SMTPClient(.init(url: settings.url, startTLS: settings.useTLS, username: settings.username,
                                  password: settings.password, connectTimeout: settings.connectTimeout, timeout: settings.timeout))
    }

    /// Connects, greets and authenticates without sending (authkit doctor).
    public func probe() throws {
        do {
            try client.probe()
        } catch {
            throw EmailError.transport(error.message)
        }
    }

    public func send(_ message: EmailMessage, now: UnixTime) throws {
        let text = try message.rendered(date: now)
        do {
            try client.send(from: message.from, to: message.to, message: text)
        } catch {
            throw error.isPermanent ? EmailError.rejected(error.message) : EmailError.transport(error.message)
        }
    }
}

public enum Mailers {
    /// The configured transport.
    public static func make(_ settings: EmailSettings) -> any Mailer {
        switch settings.backend {
        case .smtp: return SMTPMailer(settings: settings)
        case .file: return FileMailer(directory: settings.fileDirectory ?? "/tmp")
        }
    }
}
