/// A walk over the item headers of a CBOR encoding, before libcbor sees it.
///
/// libcbor decodes without recursion but frees (`cbor_decref`) and serializes recursively, and
/// allocates a definite array or map for its declared count before reading it. A hostile 16 KiB
/// document could otherwise nest thousands deep or declare 2^60 elements. Here every declared
/// length must fit into the bytes that are left (each element takes at least one byte) and
/// nesting stays within `maximumDepth`; the walk is iterative and linear in the input.
enum CBORLimits {
    /// WebAuthn nests at most four deep (attestationObject → attStmt → x5c → certificate).
    static let maximumDepth = 8

    /// The number of bytes the first complete item of `bytes` takes, or an error.
    static func firstItemLength(_ bytes: [UInt8]) throws(FIDOError) -> Int {
        /// Items still expected at each open level; `nil` = indefinite, ends with a break byte.
        var pending: [Int?] = []
        var index = 0
        repeat {
            guard index < bytes.count else { throw malformed("truncated") }
            let initial = bytes[index]
            index += 1
            if initial == 0xFF {
                // A break ends the innermost indefinite container (or string).
                guard let last = pending.last, last == nil else { throw malformed("unexpected break") }
                pending.removeLast()
                try finishItem(&pending)
                continue
            }
            let major = initial >> 5, info = initial & 0x1F
            var argument: UInt64 = UInt64(info)
            var indefinite = false
            switch info {
            case 0..<24: break
            case 24...27:
                let width = 1 << Int(info - 24)
                guard bytes.count - index >= width else { throw malformed("truncated") }
                argument = 0
                for _ in 0..<width { argument = argument << 8 | UInt64(bytes[index]); index += 1 }
            case 31 where (2...5).contains(major): indefinite = true
            default: throw malformed("reserved additional information \(info)")
            }
            let left = UInt64(bytes.count - index)
            switch major {
            case 0, 1, 7:
                try finishItem(&pending)
            case 2, 3:
                if indefinite {
                    try open(&pending, nil)
                } else {
                    guard argument <= left else { throw malformed("string longer than the input") }
                    index += Int(argument)
                    try finishItem(&pending)
                }
            case 4, 5:
                if indefinite {
                    try open(&pending, nil)
                } else {
                    // A map's count is of pairs: two items each.
                    guard argument <= left, major == 4 || argument <= left / 2 else {
                        throw malformed("container longer than the input")
                    }
                    let count = major == 5 ? argument * 2 : argument
                    if count == 0 { try finishItem(&pending) } else { try open(&pending, Int(count)) }
                }
            default: // 6: a tag, followed by one item
                try open(&pending, 1)
            }
        } while !pending.isEmpty
        return index
    }

    private static func open(_ pending: inout [Int?], _ count: Int?) throws(FIDOError) {
        guard pending.count < maximumDepth else { throw malformed("nested deeper than \(maximumDepth)") }
        pending.append(count)
    }

    /// Counts one finished item against the innermost definite container, closing those that fill.
    private static func finishItem(_ pending: inout [Int?]) throws(FIDOError) {
        while let last = pending.last, let remaining = last {
            if remaining > 1 { pending[pending.count - 1] = remaining - 1; return }
            pending.removeLast()
        }
    }

    private static func malformed(_ reason: String) -> FIDOError { FIDOError(.malformed, "CBOR", reason) }
}
