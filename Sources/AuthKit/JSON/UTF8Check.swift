/// Strict UTF-8 validation with CPython's decoder messages
/// (`'utf-8' codec can't decode byte 0xff in position 0: invalid start byte`).
enum UTF8Check {
    static func firstError(in bytes: [UInt8]) -> String? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                i += 1
                continue
            }
            let need: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; high = 0x9F
            case 0xF0: need = 3; low = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; high = 0x8F
            default: return message(bytes, i, 1, "invalid start byte")
            }
            var valid = 1
            for k in 1...need {
                guard i + k < n else { return message(bytes, i, valid, "unexpected end of data") }
                let c = bytes[i + k]
                let ok = k == 1 ? (c >= low && c <= high) : (c >= 0x80 && c <= 0xBF)
                guard ok else { return message(bytes, i, valid, "invalid continuation byte") }
                valid += 1
            }
            i += need + 1
        }
        return nil
    }

    private static func message(_ bytes: [UInt8], _ start: Int, _ length: Int, _ reason: String) -> String {
        if length <= 1 {
            let hex = String(bytes[start], radix: 16)
            return "'utf-8' codec can't decode byte 0x\(hex.count == 1 ? "0" + hex : hex) in position \(start): \(reason)"
        }
        return "'utf-8' codec can't decode bytes in position \(start)-\(start + length - 1): \(reason)"
    }
}
