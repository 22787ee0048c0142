/// Python's `repr(float)`: the shortest round-tripping digits, in positional notation when
/// the decimal exponent is in -4..<16 and in `1e+16` style otherwise.
enum PythonFloat {
    static func repr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (negative, digits, exponent) = shortestDigits(value)
        // `exponent` is the power of ten of the first digit: value = 0.d1d2... × 10^(exponent+1).
        var out = negative ? "-" : ""
        if exponent < -4 || exponent >= 16 {
            out += String(digits.first!)
            if digits.count > 1 { out += "." + digits.dropFirst() }
            out += "e" + (exponent < 0 ? "-" : "+")
            let e = abs(exponent)
            out += e < 10 ? "0\(e)" : "\(e)"
        } else if exponent < 0 {
            out += "0." + String(repeating: "0", count: -exponent - 1) + digits
        } else {
            let intCount = exponent + 1
            if digits.count <= intCount {
                out += digits + String(repeating: "0", count: intCount - digits.count) + ".0"
            } else {
                out += digits.prefix(intCount) + "." + digits.dropFirst(intCount)
            }
        }
        return out
    }

    /// Splits Swift's shortest representation (`description`) into sign, significant digits and
    /// the decimal exponent of the first digit.
    private static func shortestDigits(_ value: Double) -> (Bool, String, Int) {
        var text = Substring(value.description)
        let negative = text.first == "-"
        if negative { text = text.dropFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        let intPart: Substring
        let fracPart: Substring
        if let dot = text.firstIndex(of: ".") {
            intPart = text[..<dot]
            fracPart = text[text.index(after: dot)...]
        } else {
            intPart = text
            fracPart = ""
        }
        var all = String(intPart) + fracPart
        var pointPosition = intPart.count + exponent  // digits before the decimal point
        while all.first == "0" {
            all.removeFirst()
            pointPosition -= 1
        }
        while all.last == "0" { all.removeLast() }
        if all.isEmpty { return (negative, "0", 0) }
        return (negative, all, pointPosition - 1)
    }
}
