import CFido2

/// Why a WebAuthn structure or signature was refused below the JSON layer. `kind` lets callers
/// tell a forged or broken signature from input that is merely malformed; `reason` is for logs
/// (it never contains key material or signatures).
public struct FIDOError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Not well-formed CBOR, a wrong shape, or a limit exceeded.
        case malformed
        /// A key type, curve or attestation format this service does not verify.
        case unsupported
        /// The signature does not verify.
        case invalidSignature
        /// libfido2 refused the input for another reason.
        case library
    }

    public let kind: Kind
    public let operation: String
    public let reason: String

    public init(_ kind: Kind, _ operation: String, _ reason: String) {
        self.kind = kind
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "\(operation) failed: \(reason)" }
}

/// Turns a libfido2 status code (`FIDO_OK` = success) into a typed error: the one place that
/// reads libfido2's error strings. A bad signature gets its own kind so callers can say so.
@inline(__always)
func check(_ status: Int32, _ operation: @autoclosure () -> String) throws(FIDOError) {
    guard status == FIDO_OK else {
        let message = fido_strerr(status).map { String(cString: $0) } ?? "error \(status)"
        throw FIDOError(status == FIDO_ERR_INVALID_SIG ? .invalidSignature : .library, operation(), message)
    }
}
