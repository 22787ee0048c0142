import Foundation

/// tools/smtp_sink.py (Debian's python3-aiosmtpd) on a free loopback port: a real SMTP server
/// that keeps each message as a file. Recipients "reject*" get 550 and "later*" 450
/// (`--test-replies`).
public final class SMTPSink: @unchecked Sendable {
    public let port: Int
    public let directory: String
    /// Seconds the server waits before accepting a message it has already stored (--delay).
    public let delay: Double
    private var process: Subprocess?

    public init(port: Int? = nil, delay: Double = 0) throws {
        self.port = port ?? Paths.freePort()
        self.delay = delay
        directory = try Paths.temporaryDirectory("authkit-smtp")
        try start()
    }

    public var mailbox: Mailbox { Mailbox(directory: directory) }

    public func start() throws {
        let p = try Subprocess("/usr/bin/python3", [Paths.root.appendingPathComponent("tools/smtp_sink.py").path,
                                                     "--host", "127.0.0.1", "--port", String(port), "--dir", directory,
                                                     "--delay", String(delay), "--test-replies"],
                               output: .file(directory + "/.sink.log"))
        let port = self.port
        guard Paths.waitFor(seconds: 15, { (try? Sockets.connectTCP(port: port, timeout: 1)).map { close($0); return true } ?? false || !p.isRunning }),
              p.isRunning else {
            throw CommandFailure(command: "smtp_sink.py", status: 1, output: (try? String(contentsOfFile: directory + "/.sink.log", encoding: .utf8)) ?? "")
        }
        process = p
    }

    public func stop() {
        process?.signal(SIGTERM)
        _ = process?.wait(seconds: 10)
        process = nil
    }
}
