/// What cracklib's `FascistLookUser` says of one password, by kind rather than by its
/// (translatable) text.
public enum CrackVerdict: Sendable, Equatable {
    /// No objection.
    case acceptable
    /// Shorter than cracklib's own minimum (6 bytes): it judged nothing else.
    case tooShort
    /// "it does not contain enough DIFFERENT characters" (fewer than 5).
    case fewDistinctCharacters
    /// "it is all whitespace".
    case allWhitespace
    /// "it is too simplistic/systematic": a run of ascending or descending characters.
    case systematic
    /// "it is based on a dictionary word": a dictionary word after one of cracklib's mangling
    /// rules (trimmed ends, punctuation or digits removed, leetspeak undone, plural, ...).
    case dictionaryWord
    /// The same, read backwards.
    case reversedDictionaryWord
    /// Anything else cracklib may say (its National Insurance number pattern), as it said it.
    case other(String)
}
