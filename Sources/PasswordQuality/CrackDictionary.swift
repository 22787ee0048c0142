import CCrack

/// A cracklib dictionary (Debian's cracklib-runtime builds one from /usr/share/dict at install),
/// named by its path prefix. Every call opens it, asks, and closes it, one thread at a time
/// (cracklib is not thread-safe): a check costs well under a millisecond for ordinary passwords,
/// and a dictionary rebuilt in place by `update-cracklib` is seen at the next call.
public struct CrackDictionary: Sendable {
    public let path: String

    /// The dictionary cracklib was built to use (`/var/cache/cracklib/cracklib_dict` on Debian).
    public static var defaultPath: String { String(cString: GetDefaultCracklibDict()) }

    /// Opens the dictionary once, so a missing or unreadable one is reported now.
    public init(path: String) throws(CrackError) {
        self.path = path
        _ = try OpenDictionary.exclusive { () throws(CrackError) -> Bool in
            _ = try OpenDictionary(path: path)
            return true
        }
    }

    /// Whether `word` is exactly one of the dictionary's words (they are lower-case letters and
    /// digits). A word containing NUL is never there.
    public func contains(_ word: String) throws(CrackError) -> Bool {
        if word.utf8.contains(0) { return false }
        let path = self.path
        return try OpenDictionary.exclusive { () throws(CrackError) -> Bool in
            try OpenDictionary(path: path).contains(word)
        }
    }

    /// cracklib's verdict on `password` (it reads at most its first 255 bytes, up to any NUL).
    public func verdict(_ password: String) throws(CrackError) -> CrackVerdict {
        let path = self.path
        return try OpenDictionary.exclusive { () throws(CrackError) -> CrackVerdict in
            try OpenDictionary(path: path).verdict(password)
        }
    }
}
