/// The e-mail confirmation mail (registration and resend), word for word as drf-auth-kit sends
/// it (docs/contract/account.md §7.1), but with `<site>` and the link taken from the settings,
/// never from the request's Host header.
enum EmailConfirmationMail {
    static func subject(site: String) -> String { "[\(site)] Please Confirm Your Email Address" }

    static func body(site: String, link: String, username: String) -> String {
        """
        Hello from \(site)!

        You're receiving this email because user \(username) has given your email address to register an account on \(site).

        To confirm this is correct, go to \(link)

        Thank you for using \(site)!
        \(site)

        """
    }
}
