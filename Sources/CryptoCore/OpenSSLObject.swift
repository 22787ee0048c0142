import COpenSSL

/// One OpenSSL object made here (a cipher context, a certificate store, a stack), owned by this
/// instance and freed in `deinit` with the function that goes with its constructor. One type for
/// them all, instead of a small owner class per kind.
final class OpenSSLObject {
    let handle: OpaquePointer
    private let free: (OpaquePointer) -> Void

    /// `make` returned nil: the OpenSSL error queue, named after `constructor`.
    init(_ constructor: String, _ make: () -> OpaquePointer?, free: @escaping (OpaquePointer) -> Void)
        throws(CryptoError) {
        guard let made = make() else { throw CryptoError(operation: constructor, reason: drainErrorQueue()) }
        handle = made
        self.free = free
    }

    deinit { free(handle) }
}
