import CryptoCore
import Foundation

/// An authenticator app in the test's hand: an independent RFC 6238 implementation (HMAC-SHA1,
/// 6 digits) that, like a person, never offers the same time step twice. With a server window
/// of `window` steps it uses the oldest still-valid step first, so several codes can be used
/// within one step without waiting, and it avoids steps about to fall out of the window.
public final class Phone: @unchecked Sendable {
    public let secret: String
    public let interval: Int64
    public let window: Int64
    private var lastStep = Int64.min
    private let lock = NSLock()

    public init(secret: String, interval: Int64 = 30, window: Int64 = 1) {
        self.secret = secret
        self.interval = interval
        self.window = window
    }

    /// The secret from an otpauth:// link.
    public convenience init(qrLink: String, window: Int64 = 1) {
        let secret = URLComponents(string: qrLink)?.queryItems?.first { $0.name == "secret" }?.value ?? ""
        self.init(secret: secret, window: window)
    }

    public func nextCode() -> String {
        lock.lock()
        defer { lock.unlock() }
        while true {
            let now = Date().timeIntervalSince1970
            let current = Int64(now) / interval
            let remaining = Double(interval) - now.truncatingRemainder(dividingBy: Double(interval))
            var step = max(lastStep + 1, current - window)
            // A step at the bottom of the window expires when the clock ticks over: skip it.
            if step < current && remaining < 3 { step = current }
            if step <= current + window {
                lastStep = step
                return Self.code(secret: secret, step: step)
            }
            Thread.sleep(forTimeInterval: remaining + 0.2)
        }
    }

    /// The code of the current step (what an email carries), without marking it used.
    public func currentCode() -> String {
        Self.code(secret: secret, step: Int64(Date().timeIntervalSince1970) / interval)
    }

    public static func code(secret: String, step: Int64) -> String {
        let key = Base32.decode(secret) ?? []
        var counter = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { counter[7 - i] = UInt8((UInt64(bitPattern: step) >> (8 * UInt64(i))) & 0xFF) }
        let h = HMAC.authenticate(.sha1, key: key, message: counter)
        let o = Int(h[19] & 0x0F)
        let n = (UInt32(h[o]) & 0x7F) << 24 | UInt32(h[o + 1]) << 16 | UInt32(h[o + 2]) << 8 | UInt32(h[o + 3])
        return String(format: "%06d", n % 1_000_000)
    }
}

/// The files the dev email transport writes (AUTHKIT_EMAIL_FILE_DIR).
public struct Mailbox: Sendable {
    public let directory: String
    public init(directory: String) { self.directory = directory }

    public struct Message: Sendable {
        public let file: String
        public let raw: String
        public func header(_ name: String) -> String? {
            raw.components(separatedBy: "\r\n").first { $0.hasPrefix(name + ": ") }.map { String($0.dropFirst(name.count + 2)) }
        }
        /// The 6-digit code of the plain-text part.
        public var code: String? {
            let parts = raw.components(separatedBy: "Content-Type: text/plain; charset=\"utf-8\"\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
            return parts.count > 1 ? String(parts[1].prefix(6)) : nil
        }
    }

    /// Waits (delivery is asynchronous) for message number `index` (0-based) to `recipient`.
    public func message(_ index: Int, to recipient: String, seconds: Double = 15) -> Message? {
        var found: Message?
        _ = Paths.waitFor(seconds: seconds) {
            let all = messages(to: recipient)
            found = all.count > index ? all[index] : nil
            return found != nil
        }
        return found
    }

    /// Gives the sender time to deliver anything queued, then counts (for "nothing was sent").
    public func settledCount(to recipient: String) -> Int {
        Thread.sleep(forTimeInterval: 0.5)
        return messages(to: recipient).count
    }

    public func messages(to recipient: String? = nil) -> [Message] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
        return files.compactMap { f in
            guard let raw = try? String(contentsOfFile: directory + "/" + f, encoding: .utf8) else { return nil }
            return Message(file: f, raw: raw)
        }.filter { recipient == nil || $0.header("To") == recipient }
    }
}
