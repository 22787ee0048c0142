#if canImport(Glibc)
import Glibc
#endif

/// A failed system call, with the errno it set.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let errno: Int32

    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// The one function that turns a -1 return into a typed error (NIO's `syscall`).
@discardableResult
func syscall(_ name: @autoclosure () -> String, _ result: Int32) throws(SystemError) -> Int32 {
    guard result >= 0 else { throw SystemError(call: name(), errno: Glibc.errno) }
    return result
}
