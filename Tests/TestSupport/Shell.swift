import Foundation
import Synchronization

/// Child processes started by the harness, killed when the test process exits so a failed run
/// leaves nothing behind.
public enum Cleanup {
    static let pids = Mutex<Set<Int32>>([])
    static let commands = Mutex<[String]>([])
    nonisolated(unsafe) static var installed = false
    static let installLock = Mutex(false)

    static func install() {
        installLock.withLock { done in
            guard !done else { return }
            done = true
            atexit {
                // SIGTERM first: an nginx master then takes its workers down with it.
                let pids = Cleanup.pids.withLock({ $0 })
                for pid in pids { kill(pid, SIGTERM) }
                if !pids.isEmpty { usleep(300_000) }
                for pid in pids { kill(pid, SIGKILL) }
                for command in Cleanup.commands.withLock({ $0 }) { _ = system(command + " >/dev/null 2>&1") }
            }
        }
    }

    public static func track(_ pid: Int32) { install(); _ = pids.withLock { $0.insert(pid) } }
    public static func untrack(_ pid: Int32) { _ = pids.withLock { $0.remove(pid) } }
    public static func atExit(_ command: String) { install(); commands.withLock { $0.append(command) } }
}

public struct CommandFailure: Error, CustomStringConvertible {
    public let command: String
    public let status: Int32
    public let output: String
    public var description: String { "`\(command)` exited \(status): \(output)" }

    public init(command: String, status: Int32, output: String) {
        self.command = command
        self.status = status
        self.output = output
    }
}

public enum Shell {
    /// Runs a program to completion; returns its combined output. Throws on a non-zero exit.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           allowFailure: Bool = false) throws -> (status: Int32, output: String) {
        let outputPath = try Paths.temporaryDirectory("authkit-cmd") + "/output"
        defer { try? FileManager.default.removeItem(atPath: (outputPath as NSString).deletingLastPathComponent) }
        let child = try Subprocess(executable, arguments, environment: environment, output: .file(outputPath))
        let status = child.wait()
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        if status != 0 && !allowFailure {
            throw CommandFailure(command: ([executable] + arguments).joined(separator: " "), status: status, output: output)
        }
        return (status, output)
    }

    public static var isRoot: Bool { getuid() == 0 }

    /// Runs as the `postgres` user when we are root (PostgreSQL refuses to run as root).
    @discardableResult
    public static func runAsPostgres(_ executable: String, _ arguments: [String], allowFailure: Bool = false) throws -> (status: Int32, output: String) {
        if isRoot {
            return try run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments, allowFailure: allowFailure)
        }
        return try run(executable, arguments, allowFailure: allowFailure)
    }
}

public enum Paths {
    /// The repository root (this file is Tests/TestSupport/Shell.swift).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `authkit` binary built next to the test bundle (or AUTHKIT_TEST_BINARY).
    public static var binary: String {
        if let override = ProcessInfo.processInfo.environment["AUTHKIT_TEST_BINARY"] { return override }
        let besideRunner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("authkit").path
        if FileManager.default.isExecutableFile(atPath: besideRunner) { return besideRunner }
        return root.appendingPathComponent(".build/debug/authkit").path
    }

    /// A fresh directory that the postgres and nginx worker users can enter.
    public static func temporaryDirectory(_ prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw CommandFailure(command: "mkdtemp", status: errno, output: "") }
        let path = String(cString: p)
        chmod(path, 0o755)
        return path
    }

    /// A TCP port on 127.0.0.1 that is free right now.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    public static func waitFor(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }
}
