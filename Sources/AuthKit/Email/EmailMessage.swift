import CryptoCore

/// A code email in the exact shape Django sends (API.md §10): multipart/alternative with a
/// plain and an HTML part, both `text/...; charset="utf-8"`, 7bit.
public struct EmailMessage: Sendable, Equatable {
    public let from: String
    public let to: String
    public let subject: String
    public let text: String
    public let html: String
    /// The Message-ID header with its angle brackets; nil: a random one. The outbox sets it from
    /// the row (`outboxMessageID`), so a repeated delivery of one row carries the same Message-ID
    /// and a receiving server can drop the duplicate.
    public var messageID: String? = nil

    /// `Your verification code`, the 6-digit code and a newline in both parts.
    public static func verificationCode(_ code: String, to: String, from: String) -> EmailMessage {
        EmailMessage(from: from, to: to, subject: "Your verification code", text: code + "\n", html: code + "\n")
    }

    /// RFC 5322 text with CRLF line ends. Refuses CR/LF in any header value (no injection).
    public func rendered(date: UnixTime, messageIDHost: String = "localhost") throws -> String {
        for value in [from, to, subject] where value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw EmailError.headerInjection
        }
        let boundary = "===============" + String(SecureRandom.uniform(UInt32.max)) + String(SecureRandom.uniform(99_999)) + "=="
        let messageID = self.messageID ?? "<\(date.microseconds).\(Hex.encode(SecureRandom.bytes(8)))@\(messageIDHost)>"
        func part(_ type: String, _ body: String) -> String {
            "--\(boundary)\r\nContent-Type: \(type); charset=\"utf-8\"\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
                + body.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n") + "\r\n"
        }
        return "Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Subject: \(subject)\r\n"
            + "From: \(from)\r\n"
            + "To: \(to)\r\n"
            + "Date: \(TimeFormat.rfc2822(date.seconds))\r\n"
            + "Message-ID: \(messageID)\r\n"
            + "\r\n"
            + part("text/plain", text)
            + part("text/html", html)
            + "--\(boundary)--\r\n"
    }
}

extension EmailMessage {
    /// `<outbox-<id>.<created>@<domain of from>>`: derived from the row alone (its id and the
    /// microsecond it was queued, in base 36, which keeps ids of two databases apart), so every
    /// attempt at one row sends the same Message-ID.
    public static func outboxMessageID(id: Int64, createdMicroseconds: Int64, from: String) -> String {
        "<outbox-\(id).\(String(createdMicroseconds, radix: 36))@\(domain(of: from))>"
    }

    /// The domain of an address (`a@example.com` or `Name <a@example.com>`); `localhost` when
    /// there is none or it holds characters a Message-ID must not.
    static func domain(of address: String) -> String {
        var addr = Substring(address)
        if let open = addr.lastIndex(of: "<") { addr = addr[addr.index(after: open)...].prefix { $0 != ">" } }
        guard let at = addr.lastIndex(of: "@") else { return "localhost" }
        let domain = addr[addr.index(after: at)...]
        let allowed = domain.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
        return domain.isEmpty || !allowed ? "localhost" : String(domain)
    }
}

public enum EmailError: Error, CustomStringConvertible {
    case headerInjection
    /// Not delivered for now: no SMTP server answered, or it answered 4xx (try later).
    case transport(String)
    /// The SMTP server refused the message for good (a 5xx reply, e.g. an unknown recipient).
    case rejected(String)

    public var description: String {
        switch self {
        case .headerInjection: return "a header value contains a line break"
        case .transport(let s): return "email transport failed: \(s)"
        case .rejected(let s): return "email rejected: \(s)"
        }
    }
}
