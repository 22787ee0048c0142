#if canImport(Glibc)
import Glibc
#endif

/// Delivers code emails.
public protocol Mailer: Sendable {
    func send(_ message: EmailMessage, now: UnixTime) throws
}

/// Development transport: each message becomes `<unix-ns>-<n>.eml` in a folder, written under
/// a temporary name and renamed, so a reader never sees half a file.
public struct FileMailer: Mailer {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public func send(_ message: EmailMessage, now: UnixTime) throws {
        let text = try message.rendered(date: now)
        let name = "\(now.microseconds)000-\(getpid())-\(SecureRandomName.next())"
        let temporary = "\(directory)/.\(name).tmp"
        let final = "\(directory)/\(name).eml"
        guard let file = fopen(temporary, "wb") else {
            throw EmailError.transport("cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        let bytes = Array(text.utf8)
        let written = fwrite(bytes, 1, bytes.count, file)
        fclose(file)
        guard written == bytes.count, rename(temporary, final) == 0 else {
            unlink(temporary)
            throw EmailError.transport("cannot write \(final)")
        }
    }
}

import CryptoCore

enum SecureRandomName {
    static func next() -> String { Hex.encode(SecureRandom.bytes(4)) }
}
