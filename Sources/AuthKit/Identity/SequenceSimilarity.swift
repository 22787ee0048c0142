/// The similarity measure of Django's UserAttributeSimilarityValidator: difflib's
/// `SequenceMatcher(a=password, b=value).quick_ratio()`, behind Django's
/// `exceeds_maximum_length_ratio` shortcut. Django (5.2) uses `quick_ratio()` alone, never
/// `ratio()`: it counts the characters the two share as multisets, ignoring their order, so
/// difflib's matching blocks and its autojunk heuristic play no part.
enum SequenceSimilarity {
    /// `quick_ratio()`: 2 × (size of the multiset intersection) / (len(a) + len(b)), 1 for two
    /// empty sequences, computed in the same floating-point steps as difflib.
    static func quickRatio(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Double {
        var available: [Unicode.Scalar: Int] = [:]
        for scalar in b { available[scalar, default: 0] += 1 }
        var matches = 0
        for scalar in a {
            if let count = available[scalar], count > 0 {
                matches += 1
                available[scalar] = count - 1
            }
        }
        let length = a.count + b.count
        return length > 0 ? 2.0 * Double(matches) / Double(length) : 1.0
    }

    /// Django's `exceeds_maximum_length_ratio`: a value at most a tenth of the password's length
    /// (and short enough) cannot reach `maxSimilarity`, so it is not compared at all.
    static func exceedsMaximumLengthRatio(password: Int, value: Int, maxSimilarity: Double) -> Bool {
        let lengthBoundSimilarity = maxSimilarity / 2 * Double(password)
        return password >= 10 * value && Double(value) < lengthBoundSimilarity
    }
}
