/// A libcrypto call that failed. The OpenSSL error queue is drained into `reason`
/// so the next call on this thread starts clean.
public struct CryptoError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let reason: String

    public var description: String { "\(operation) failed: \(reason)" }
}

import COpenSSL

/// Turns a libcrypto status code (1 = success) into a typed error: the one place that
/// reads OpenSSL's error queue.
@inline(__always)
func check(_ status: Int32, _ operation: @autoclosure () -> String) throws(CryptoError) {
    guard status == 1 else { throw CryptoError(operation: operation(), reason: drainErrorQueue()) }
}

func drainErrorQueue() -> String {
    var messages: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return messages.isEmpty ? "unknown error" : messages.joined(separator: "; ")
}
