import Foundation

/// A child process started with posix_spawn and reaped with waitpid, without Foundation's
/// Process (whose dispatch-based reaping can stall while test threads block).
public final class Subprocess: @unchecked Sendable {
    public let pid: pid_t
    private var status: Int32?

    public enum Output { case null, file(String), fd(Int32) }

    /// `stdinFD`: an fd to hand over as fd 0 (e.g. a listening socket), or nil for /dev/null.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                stdinFD: Int32? = nil, output: Output = .null) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdinFD {
            posix_spawn_file_actions_adddup2(&actions, stdinFD, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        switch output {
        case .null:
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .file(let path):
            posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .fd(let fd):
            posix_spawn_file_actions_adddup2(&actions, fd, 1)
            posix_spawn_file_actions_adddup2(&actions, fd, 2)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Children start with default signal handling and nothing blocked.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let env = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw CommandFailure(command: executable, status: rc, output: String(cString: strerror(rc))) }
        pid = child
        Cleanup.track(pid)
    }

    /// Whether the child is still running (reaps it when it has exited).
    public var isRunning: Bool {
        if status != nil { return false }
        var raw: Int32 = 0
        let r = waitpid(pid, &raw, WNOHANG)
        if r == pid {
            status = Self.decode(raw)
            Cleanup.untrack(pid)
            return false
        }
        return r == 0
    }

    /// Blocks until the child exits; returns its exit status (128+signal when killed).
    @discardableResult
    public func wait() -> Int32 {
        if let status { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        status = Self.decode(raw)
        Cleanup.untrack(pid)
        return status!
    }

    /// Waits up to `seconds`; nil when the child is still running.
    public func wait(seconds: Double) -> Int32? {
        guard Paths.waitFor(seconds: seconds, { !isRunning }) else { return nil }
        return status
    }

    public func signal(_ sig: Int32) { if status == nil { kill(pid, sig) } }

    static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            _ = wait()
        }
    }
}
