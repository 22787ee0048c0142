import CCrack
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A cracklib dictionary open for one check, closed when released. cracklib keeps an open
/// dictionary in a static descriptor (a second `PWOpen` fails while one is open) and its lookup
/// and rule engine in static buffers, so nothing in it is thread-safe: a dictionary is only
/// opened inside `exclusive`, and released before that returns.
final class OpenDictionary {
    private let handle: UnsafeMutablePointer<PWDICT>
    /// `FindPW`'s answer for a word that is not there.
    private let notFound: UInt32

    private static let lock = Mutex<Void>(())

    /// Runs `body` while no other thread uses cracklib.
    static func exclusive<R: Sendable>(_ body: () throws(CrackError) -> R) throws(CrackError) -> R {
        try lock.withLock { (_: inout Void) throws(CrackError) -> R in try body() }
    }

    /// Opens `path` (the prefix of `path.pwd`, `.pwi`, `.hwm`). The files are checked first:
    /// `PWOpen` reports a missing file with `perror` on stderr, which is the service's log.
    init(path: String) throws(CrackError) {
        guard access(path + ".pwi", R_OK) == 0,
              access(path + ".pwd", R_OK) == 0 || access(path + ".pwd.gz", R_OK) == 0 else {
            throw CrackError(message: "cracklib dictionary \(path) (.pwd, .pwi) not found or not readable")
        }
        var mode: [CChar] = [CChar(UInt8(ascii: "r")), 0]
        guard let handle = PWOpen(path, &mode) else {
            throw CrackError(message: "cracklib dictionary \(path) could not be opened")
        }
        self.handle = handle
        notFound = authkit_crack_word_count(handle)
    }

    deinit {
        PWClose(handle)
    }

    /// Whether `word` is one of the dictionary's words, exactly.
    func contains(_ word: String) -> Bool {
        var text = Array(word.utf8CString)
        return FindPW(handle, &text) != notFound
    }

    /// cracklib's full check. It compares the password with a user name and GECOS entry; the
    /// caller's user is not cracklib's business (the policy has its own similarity check), so it
    /// gets a name no mangled password can equal and an empty GECOS entry.
    func verdict(_ password: String) -> CrackVerdict {
        var text = Array(password.utf8CString)
        guard let result = FascistLookUser(handle, &text, "\u{1}", "") else { return .acceptable }
        let said = String(cString: result)
        for (message, verdict) in Self.verdicts where said == Self.translated(message) {
            return verdict
        }
        return .other(said)
    }

    /// cracklib 2.9's messages (fascist.c) and what each means.
    private static let verdicts: [(String, CrackVerdict)] = [
        ("it is WAY too short", .tooShort),
        ("it is too short", .tooShort),
        ("it does not contain enough DIFFERENT characters", .fewDistinctCharacters),
        ("it is all whitespace", .allWhitespace),
        ("it is too simplistic/systematic", .systematic),
        ("it is based on a dictionary word", .dictionaryWord),
        ("it is based on a (reversed) dictionary word", .reversedDictionaryWord),
    ]

    /// The message as cracklib returns it in the current locale. Untranslated, dgettext returns
    /// the pointer it was given, so it is read while that is still valid.
    private static func translated(_ message: String) -> String {
        message.withCString { String(cString: dgettext("cracklib", $0)) }
    }
}
