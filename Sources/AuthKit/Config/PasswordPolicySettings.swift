/// The password policy (`PasswordPolicy`): which of Django's validators run, and their knobs.
public struct PasswordPolicySettings: SettingsGroup {
    public var minimumLength: Int
    static let minimumLength = SettingKey<Int>(
        "PASSWORD_MIN_LENGTH", default: "8", .int(in: 1...1024),
        "Characters a new password needs (Django's MinimumLengthValidator), when `length` is among "
            + "PASSWORD_VALIDATORS.")

    /// In the order their messages are listed.
    public var validators: [PasswordValidator]
    static let validators = SettingKey<[PasswordValidator]>(
        "PASSWORD_VALIDATORS", default: "similarity,length,common,numeric", .passwordValidators,
        "Django's password validators applied to new passwords (registration, reset confirm, change), in the "
            + "order their messages are listed: similarity (to username, names, e-mail; not at registration), "
            + "length, common (cracklib's dictionary), numeric; or none.")

    public var commonDictionary: String
    static let commonDictionary = SettingKey<String>(
        "PASSWORD_COMMON_DICT", default: "/var/cache/cracklib/cracklib_dict", .absolutePath,
        "cracklib dictionary (path prefix of its .pwd/.pwi/.hwm files) of the `common` validator; Debian's "
            + "cracklib-runtime builds it from /usr/share/dict.")

    public static var catalog: [SettingInfo] { [minimumLength.info, validators.info, commonDictionary.info] }

    init(reader: SettingsReader) throws(SettingsError) {
        minimumLength = try reader.value(Self.minimumLength)
        validators = try reader.value(Self.validators)
        commonDictionary = try reader.value(Self.commonDictionary)
    }
}

extension SettingRule where Value == [PasswordValidator] {
    /// `none`, or a comma-separated list of distinct validator names.
    static var passwordValidators: Self {
        let names = SettingRule<[String]>.nameList
        return Self { (text: String) throws(InvalidSetting) -> [PasswordValidator] in
            if text.lowercased() == "none" { return [] }
            return try names.parse(text).map { (name: String) throws(InvalidSetting) -> PasswordValidator in
                guard let validator = PasswordValidator(rawValue: name) else {
                    throw InvalidSetting(problem: "unknown validator \"\(name)\" (known: "
                        + PasswordValidator.allCases.map(\.rawValue).joined(separator: ", ") + ", or none)")
                }
                return validator
            }
        }
    }
}

extension SettingRule where Value == String {
    /// An absolute path.
    static var absolutePath: Self {
        Self { (text: String) throws(InvalidSetting) -> String in
            guard text.hasPrefix("/") else {
                throw InvalidSetting(problem: "must be an absolute path, got \"\(text)\"")
            }
            return text
        }
    }
}
