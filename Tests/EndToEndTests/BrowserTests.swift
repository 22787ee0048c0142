import Foundation
import Testing
import TestSupport

/// The reference web app (web/) in a real browser: headless Chromium driven by Selenium
/// (Tests/Browser/scenarios.py) against real nginx serving web/ and the API, the real binary and
/// PostgreSQL. deploy/test installs chromium, chromium-driver and the pinned selenium.
@Suite(.serialized) struct BrowserTests {
    /// WebAuthn needs the page's origin in the settings, so nginx's port is chosen first; the
    /// page is opened as http://localhost:PORT (a secure context, RP id `localhost`).
    static let port = Paths.freePort()
    static let corsPort = Paths.freePort()
    static let origin = "http://localhost:\(port)"
    static let stack = Result {
        try Stack(settings: [
            "AUTHKIT_MFA_HANDLERS": "app,email,webauthn",
            "AUTHKIT_WEBAUTHN_RP_ID": "localhost",
            "AUTHKIT_WEBAUTHN_RP_NAME": "authkit browser tests",
            "AUTHKIT_WEBAUTHN_ORIGIN": origin,
            "AUTHKIT_USE_PASSWORDLESS": "true",
            "AUTHKIT_MFA_TOTP_DEFAULT_VALID_WINDOW": "1",
            "AUTHKIT_CORS_ALLOWED_ORIGINS": "http://localhost:\(corsPort)",
            "AUTHKIT_FRONTEND_BASE_URL": origin,
            "AUTHKIT_REGISTER_EMAIL_CONFIRM_PATH": "/verify-email.html",
            "AUTHKIT_PASSWORD_RESET_CONFIRM_PATH": "/reset.html",
        ], port: port)
    }
    /// Default settings (no passkeys, no passwordless sign-in), and access tokens of 2 s so the
    /// page's token refresh is used.
    static let plainStack = Result { try Stack(settings: ["AUTHKIT_ACCESS_TOKEN_LIFETIME": "2"]) }
    static let csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    static let screenshots = (try? Paths.temporaryDirectory("authkit-browser")) ?? "/tmp"

    /// What the scenarios need, checked once with a clear message instead of a browser error.
    static let prerequisites: String? = {
        guard let python = ProcessInfo.processInfo.environment["AUTHKIT_TEST_PYTHON"], !python.isEmpty else {
            return "AUTHKIT_TEST_PYTHON is not set: run ./deploy/test (it installs selenium in its venv)"
        }
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing: apt-get install chromium chromium-driver (./deploy/test does)"
        }
        let check = try? Shell.run(python, ["-c", "import selenium"],
                                   environment: ProcessInfo.processInfo.environment, allowFailure: true)
        if check?.status != 0 {
            return "\(python) cannot import selenium: pip install the selenium pinned in deploy/test"
        }
        return nil
    }()

    /// Runs one scenario; returns its output after checking it passed.
    @discardableResult
    func run(_ scenario: String, user: String? = nil, extra: [String] = [], plain: Bool = false) throws -> String {
        if let problem = Self.prerequisites { Issue.record(Comment(rawValue: problem)); return "" }
        let s = try (plain ? Self.plainStack : Self.stack).get()
        let base = plain ? "http://localhost:\(s.nginx.port)" : Self.origin
        let username = user ?? "web_\(scenario.replacingOccurrences(of: "-", with: "_"))"
        if user == nil { try s.createUser(username) }
        let python = ProcessInfo.processInfo.environment["AUTHKIT_TEST_PYTHON"]!
        var env = ProcessInfo.processInfo.environment
        env["SE_OFFLINE"] = "true"   // Selenium Manager must not look for drivers online
        let script = Paths.root.appendingPathComponent("Tests/Browser/scenarios.py").path
        let started = Date()
        let result = try Shell.run(python, [script, scenario, "--base-url", base,
                                            "--mail-dir", s.app.mailDirectory, "--screenshots", Self.screenshots,
                                            "--username", username, "--cors-port", String(Self.corsPort)] + extra,
                                   environment: env, allowFailure: true)
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        #expect(result.status == 0, """
            \(scenario) failed after \(seconds) s (screenshots in \(Self.screenshots)):
            \(result.output)
            app log tail:
            \(s.app.log().suffix(3000))
            """)
        #expect(result.output.contains("PASS \(scenario)"), "\(result.output)")
        return result.output
    }

    @Test func signInWithTOTP() throws {
        // AUTHKIT_DOC_SCREENSHOTS=docs/screenshots refreshes the README's pictures.
        let docs = ProcessInfo.processInfo.environment["AUTHKIT_DOC_SCREENSHOTS"]
            .map { ["--doc-screenshots", $0] } ?? []
        try run("totp", extra: docs)
    }

    @Test func signInWithABackupCode() throws { try run("backup") }

    @Test func signInWithAnEmailedCode() throws { try run("email") }

    @Test func manageMethods() throws { try run("manage") }

    @Test func passkeyRegistrationAndSignIn() throws { try run("passkey") }

    @Test func csrfRefusedAndCORSForTheListedOrigin() throws { try run("cross-origin") }

    @Test func signUpConfirmAndResetPassword() throws { try run("signup", user: "web_signup") }

    /// Without webauthn and passwordless routes (404) the passkey buttons and section stay hidden;
    /// an expired access cookie is refreshed.
    @Test func noPasskeyControlsWithoutTheRoutes() throws { try run("no-passkeys", plain: true) }

    /// The web app's files come with the CSP and security headers; unknown paths stay JSON 404.
    @Test func servedWithContentSecurityPolicy() throws {
        let s = try Self.stack.get()
        for path in ["/", "/index.html", "/account.html", "/js/api.js", "/css/app.css"] {
            let r = try s.http.get(path)
            #expect(r.status == 200, "\(path)")
            #expect(r.header("Content-Security-Policy") == Self.csp, "\(path)")
            #expect(r.header("X-Content-Type-Options") == "nosniff" && r.header("X-Frame-Options") == "DENY", "\(path)")
        }
        #expect(try s.http.get("/js/api.js").header("Content-Type")?.hasPrefix("text/javascript") == true)
        let missing = try s.http.get("/nothing.html")
        #expect(missing.status == 404 && missing.text == #"{"detail":"Not found."}"#)
        // No inline script or style anywhere in the pages.
        let web = Paths.root.appendingPathComponent("web").path
        for page in try FileManager.default.contentsOfDirectory(atPath: web) where page.hasSuffix(".html") {
            let html = try String(contentsOfFile: web + "/" + page, encoding: .utf8)
            #expect(!html.contains("<script>") && !html.contains("<style") && !html.contains("style="), "\(page)")
            #expect(html.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil, "inline handler in \(page)")
        }
    }
}
