/// One of Django's four standard password validators (django.contrib.auth.password_validation),
/// by the name AUTHKIT_PASSWORD_VALIDATORS uses for it.
public enum PasswordValidator: String, CaseIterable, Sendable {
    /// UserAttributeSimilarityValidator: username, first name, last name, e-mail; 0.7.
    case similarity
    /// MinimumLengthValidator: AUTHKIT_PASSWORD_MIN_LENGTH characters.
    case length
    /// CommonPasswordValidator, answered by cracklib's dictionary (see `PasswordPolicy`).
    case common
    /// NumericPasswordValidator.
    case numeric
}
