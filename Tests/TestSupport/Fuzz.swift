/// A small deterministic random source and input generators for property/fuzz tests
/// (coverage-less, mutation-based; the seed is in every failure message).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

public enum Fuzz {
    public static let seeds: [String] = [
        #"{"username": "alice", "password": "S3cret-pass!"}"#, #"{"ephemeral_token": "1-app-tp27ji-ab", "code": "123456"}"#,
        #"{"method": "app", "code": 123456, "primary_code": null}"#, #"[1, 2.5e10, true, null, "x\u00e9\ud83d\ude42"]"#,
        #"{"a": {"b": [{"c": "\u0000"}]}, "a": -0.0}"#, #"{"refresh": ""}"#, "\"\\ud800\"", "{}", "[]", "null", "1e400", "NaN",
    ]

    static let tokens: [String] = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "NaN", "-Infinity", "1e999",
                                   String(repeating: "9", count: 5000), "\u{0}", "\u{FEFF}", "é", "🙂", " ", "\n", "true", "null"]

    /// A mutation of a seed: byte flips, insertions of JSON tokens, truncation, duplication.
    public static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1: bytes.insert(contentsOf: Array(tokens.randomElement(using: &rng)!.utf8), at: Int.random(in: 0...bytes.count, using: &rng))
            case 2 where !bytes.isEmpty: bytes.removeSubrange(Int.random(in: 0..<bytes.count, using: &rng)...)
            case 3 where bytes.count < 20_000: bytes += bytes
            case 4: bytes = Array(String(repeating: "[", count: Int.random(in: 1...3000, using: &rng)).utf8) + bytes
            default: bytes.append(UInt8.random(in: 0...255, using: &rng))
            }
        }
        return bytes
    }

    /// A random JSON value as text: odd types, huge numbers, NUL, surrogates, long strings.
    public static func value(_ rng: inout SplitMix64, depth: Int = 0) -> String {
        switch Int.random(in: 0..<(depth > 3 ? 6 : 8), using: &rng) {
        case 0: return "null"
        case 1: return Bool.random(using: &rng) ? "true" : "false"
        case 2: return ["0", "-0", "123456", "1.5", "1e308", "-1e-400", String(repeating: "7", count: 4301)].randomElement(using: &rng)!
        case 3: return "\"" + ["app", "email", "", "  ", "\\u0000", "\\ud800", "AB CD", "\\n\\t"].randomElement(using: &rng)! + "\""
        case 4: return "\"" + String(repeating: "a", count: Int.random(in: 0...100_000, using: &rng)) + "\""
        case 5: return "\"" + String((0..<Int.random(in: 1...30, using: &rng)).map { _ in Character(Unicode.Scalar(UInt8.random(in: 32...126, using: &rng))) })
                    .replacingOccurrences(of: "\\", with: "").replacingOccurrences(of: "\"", with: "") + "\""
        case 6: return "[" + (0..<Int.random(in: 0...3, using: &rng)).map { _ in value(&rng, depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            return "{" + (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                "\"" + fields.randomElement(using: &rng)! + "\":" + value(&rng, depth: depth + 1)
            }.joined(separator: ",") + "}"
        }
    }

    public static let fields = ["username", "password", "ephemeral_token", "code", "method", "new_method", "primary_code", "refresh",
                                "token", "first_name", "last_name", "email", "pk", "x"]
}

import Foundation
