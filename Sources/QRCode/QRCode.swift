import CQREncode

/// QR codes (ISO/IEC 18004) through Debian's libqrencode, so that the app method's setup data can
/// carry a ready-made picture of its otpauth:// URI.
public enum QRCode {
    public enum ErrorCorrection: Sendable {
        /// About 7, 15, 25 and 30 % of the symbol may be damaged.
        case low, medium, quartile, high

        var level: QRecLevel {
            switch self {
            case .low: return QR_ECLEVEL_L
            case .medium: return QR_ECLEVEL_M
            case .quartile: return QR_ECLEVEL_Q
            case .high: return QR_ECLEVEL_H
            }
        }
    }

    /// An otpauth:// URI is under 300 bytes; 2 KB still fits version 40 at `.medium` (2331 bytes)
    /// but is refused before libqrencode spends time on it, whatever a caller passes.
    public static let maximumInputLength = 2048

    /// The smallest symbol (version 1 to 40) holding `text` (UTF-8, case kept) at `level`:
    /// libqrencode splits it into numeric, alphanumeric and 8-bit segments, as `qrencode` does.
    public static func encode(_ text: String, level: ErrorCorrection = .medium) throws(QRCodeError) -> QRMatrix {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= maximumInputLength else { throw .tooLong(bytes: bytes.count) }
        guard !bytes.contains(0) else { throw .containsNUL }
        let symbol = try Symbol(bytes.map { CChar(bitPattern: $0) } + [0], level: level.level)
        return withExtendedLifetime(symbol) { symbol.matrix() }
    }

    /// Owns one `QRcode` from libqrencode until it has been copied into a `QRMatrix`.
    private final class Symbol {
        let pointer: UnsafeMutablePointer<QRcode>

        init(_ text: [CChar], level: QRecLevel) throws(QRCodeError) {
            var error: Int32 = 0
            pointer = try check(authkit_qrencode_string(text, level, &error), error)
        }

        deinit { QRcode_free(pointer) }

        /// Bit 0 of each byte is the module's colour (1 = dark); the other bits say which part
        /// of the symbol it belongs to, which a drawing does not need.
        func matrix() -> QRMatrix {
            let version = Int(pointer.pointee.version), width = Int(pointer.pointee.width)
            let data = UnsafeBufferPointer(start: pointer.pointee.data, count: width * width)
            return QRMatrix(version: version, size: width, modules: data.map { $0 & 1 == 1 })
        }
    }
}
