/// The password reset mail, word for word as drf-auth-kit sends it (docs/contract/account.md
/// §7.2), but with `<site>` and the link taken from the settings, never from the request.
enum PasswordResetMail {
    static func subject(site: String) -> String { "[\(site)] Password Reset Email" }

    static func body(site: String, link: String, username: String) -> String {
        """
        Hello from \(site)!

        You're receiving this email because you or someone else has requested a password reset for your user account.
        It can be safely ignored if you did not request a password reset. Click the link below to reset your password.

        \(link)

        In case you forgot, your username is \(username).

        Thank you for using \(site)!
        \(site)

        """
    }
}
