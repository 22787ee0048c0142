/// The bodies of the code email. Built in: the code and a newline in both parts (API.md §10).
/// An operator may supply `verification_code.txt` and `verification_code.html` in
/// AUTHKIT_EMAIL_TEMPLATE_DIR; `{{code}}` is replaced (HTML-escaped in the HTML part).
public struct EmailTemplates: Sendable {
    public let text: String
    public let html: String

    public static let builtIn = EmailTemplates(text: "{{code}}\n", html: "{{code}}\n")

    public init(text: String, html: String) {
        self.text = text
        self.html = html
    }

    /// Loads the operator's templates; a missing file or placeholder names the problem.
    public static func load(_ settings: EmailSettings) throws(SettingsError) -> EmailTemplates {
        guard let dir = settings.templateDirectory else { return .builtIn }
        var texts: [String] = []
        for file in ["verification_code.txt", "verification_code.html"] {
            guard let body = ProcessEnvironment.readFile(dir + "/" + file) else {
                throw SettingsError(setting: "AUTHKIT_EMAIL_TEMPLATE_DIR", problem: "cannot read \(dir)/\(file)")
            }
            guard body.contains("{{code}}") else {
                throw SettingsError(setting: "AUTHKIT_EMAIL_TEMPLATE_DIR", problem: "\(dir)/\(file) has no {{code}} placeholder")
            }
            texts.append(body)
        }
        return EmailTemplates(text: texts[0], html: texts[1])
    }

    public func message(code: String, to: String, from: String) -> EmailMessage {
        EmailMessage(from: from, to: to, subject: "Your verification code",
                     text: text.replacingOccurrences("{{code}}", with: code),
                     html: html.replacingOccurrences("{{code}}", with: Self.escapeHTML(code)))
    }

    static func escapeHTML(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#x27;"
            default: out.append(c)
            }
        }
        return out
    }
}
