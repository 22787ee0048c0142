import PasswordQuality

/// Django's standard password validators, with their exact messages, for registration, password
/// reset confirm and password change. `problems` lists every failing validator's message at once,
/// in the configured order (Django's: similarity, length, common, numeric), as Django's
/// `validate_password` does; an empty list means the password is acceptable.
///
/// One deliberate difference: Django's CommonPasswordValidator looks the password up in a list
/// of 20,000 it ships; here cracklib's dictionary (Debian's cracklib-runtime) answers instead. A
/// password is "too common" when, lower-cased and stripped, it is a dictionary word, or when
/// cracklib finds it based on a dictionary word (also reversed or mangled), systematic (`12345678`),
/// made of fewer than 5 distinct characters, or blank. cracklib judges nothing shorter than 6
/// bytes beyond the exact word, and its length rule is never reported: length is Django's check.
public struct PasswordPolicy: Sendable {
    /// The person the password is for, as Django's similarity check reads them. Registration
    /// has none yet (`problems(_:)`), which turns that check off, as on the reference.
    public typealias User = (username: String, email: String, firstName: String, lastName: String)

    public let validators: [PasswordValidator]
    public let minimumLength: Int
    /// Django's default max_similarity.
    public static let maxSimilarity = 0.7

    private let dictionary: CrackDictionary?
    private let dictionaryFailed: @Sendable (String) -> Void

    /// Opens the common-password dictionary once when `common` is on, so a missing one stops
    /// the start instead of silently passing every password. `dictionaryFailed` hears of a
    /// dictionary that became unreadable later (the check then passes the password: the other
    /// validators still apply), for the log.
    public init(settings: PasswordPolicySettings,
                dictionaryFailed: @escaping @Sendable (String) -> Void = { _ in }) throws(SettingsError) {
        validators = settings.validators
        minimumLength = settings.minimumLength
        self.dictionaryFailed = dictionaryFailed
        if settings.validators.contains(.common) {
            do {
                dictionary = try CrackDictionary(path: settings.commonDictionary)
            } catch {
                throw SettingsError(
                    setting: PasswordPolicySettings.commonDictionary.variable,
                    problem: "\(error.message) (Debian: apt-get install cracklib-runtime; or leave common out of "
                        + PasswordPolicySettings.validators.variable + ")")
            }
        } else {
            dictionary = nil
        }
    }

    /// The dictionary path cracklib was built with (Debian's; the setting's documented default).
    public static var systemDictionaryPath: String { CrackDictionary.defaultPath }

    /// Django's messages for `password`, checked against `user`'s attributes.
    public func problems(_ password: String, user: User) -> [String] {
        problems(password, user: Optional(user))
    }

    /// Django's messages for a password whose user does not exist yet (registration): no
    /// similarity check.
    public func problems(_ password: String) -> [String] {
        problems(password, user: nil)
    }

    private func problems(_ password: String, user: User?) -> [String] {
        var messages: [String] = []
        for validator in validators {
            switch validator {
            case .similarity:
                if let user, let attribute = similarAttribute(password, user: user) {
                    messages.append("The password is too similar to the \(attribute).")
                }
            case .length:
                if password.unicodeScalars.count < minimumLength {
                    let unit = minimumLength == 1 ? "character" : "characters"
                    messages.append("This password is too short. It must contain at least \(minimumLength) \(unit).")
                }
            case .common:
                if isCommon(password) { messages.append("This password is too common.") }
            case .numeric:
                if PythonText.isDigits(password) { messages.append("This password is entirely numeric.") }
            }
        }
        return messages
    }

    /// UserAttributeSimilarityValidator: the verbose name of the first attribute (in Django's
    /// order) that the lower-cased password resembles, whole or any `\W+`-separated part of it.
    private func similarAttribute(_ password: String, user: User) -> String? {
        let lowered = PythonText.lower(password)
        let attributes = [(user.username, "username"), (user.firstName, "first name"),
                          (user.lastName, "last name"), (user.email, "email address")]
        for (value, verboseName) in attributes where !value.isEmpty {
            let valueLower = PythonText.lower(value)
            for part in PythonText.splitOnNonWord(valueLower) + [valueLower] {
                if SequenceSimilarity.exceedsMaximumLengthRatio(
                    password: lowered.count, value: part.count, maxSimilarity: Self.maxSimilarity) {
                    continue
                }
                if SequenceSimilarity.quickRatio(lowered, part) >= Self.maxSimilarity { return verboseName }
            }
        }
        return nil
    }

    /// The common-password check (see the type's comment).
    private func isCommon(_ password: String) -> Bool {
        guard let dictionary else { return false }
        let normalized = String(String.UnicodeScalarView(PythonText.strip(PythonText.lower(password))))
        do {
            if try dictionary.contains(normalized) { return true }
            switch try dictionary.verdict(password) {
            case .dictionaryWord, .reversedDictionaryWord, .systematic, .fewDistinctCharacters, .allWhitespace:
                return true
            case .acceptable, .tooShort, .other:
                return false
            }
        } catch {
            dictionaryFailed(error.message)
            return false
        }
    }
}
