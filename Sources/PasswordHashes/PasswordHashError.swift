import CArgon2

/// A slow password hash that could not be computed: parameters out of range or refused by the
/// library, or the library failing. Callers treat it as "does not match", never as a 500.
public struct PasswordHashError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let reason: String

    public var description: String { "\(operation) failed: \(reason)" }
}

/// Turns a libargon2 status code (`ARGON2_OK` = success) into a typed error: the one place that
/// reads libargon2's error messages. (libcrypt reports failure by a null result, see `BCrypt`.)
@inline(__always)
func check(_ status: Int32, _ operation: @autoclosure () -> String) throws(PasswordHashError) {
    guard status == ARGON2_OK.rawValue else {
        let message = argon2_error_message(status).map { String(cString: $0) } ?? "error \(status)"
        throw PasswordHashError(operation: operation(), reason: message)
    }
}
