import CQREncode

/// Text that cannot become a QR code: refused before libqrencode is called (empty, a NUL byte,
/// longer than `QRCode.maximumInputLength`), or refused by it.
public enum QRCodeError: Error, Equatable, CustomStringConvertible, Sendable {
    case empty
    /// C strings end at the first NUL: the symbol would silently carry less than the text.
    case containsNUL
    case tooLong(bytes: Int)
    /// More data than a version 40 symbol holds at the requested level (libqrencode's ERANGE).
    case doesNotFit
    case outOfMemory
    case library(errno: Int32)

    public var description: String {
        switch self {
        case .empty: return "QR code: empty text"
        case .containsNUL: return "QR code: text contains a NUL byte"
        case .tooLong(let bytes): return "QR code: \(bytes) bytes, more than \(QRCode.maximumInputLength)"
        case .doesNotFit: return "QR code: text too long for the error correction level"
        case .outOfMemory: return "QR code: out of memory"
        case .library(let errno): return "QR code: libqrencode failed (errno \(errno))"
        }
    }
}

/// The one place that reads libqrencode's failures (a null symbol plus the errno the shim kept).
func check(_ symbol: UnsafeMutablePointer<QRcode>?,
           _ error: Int32) throws(QRCodeError) -> UnsafeMutablePointer<QRcode> {
    if let symbol { return symbol }
    switch error {
    case ERANGE: throw .doesNotFit
    case ENOMEM: throw .outOfMemory
    default: throw .library(errno: error)
    }
}
