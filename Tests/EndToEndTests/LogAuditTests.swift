import AuthKit
import Foundation
import Testing
import TestSupport

/// Runs a full flow at debug log level and fails if any password, secret, code or token used
/// appears in the application's or nginx's logs.
@Suite struct LogAuditTests {
    @Test func noSecretReachesTheLogs() throws {
        let s = try Stack(settings: ["AUTHKIT_LOG_LEVEL": "trace", "AUTHKIT_MFA_TOTP_DEFAULT_VALID_WINDOW": "1"])
        var secrets: [String] = [TestKeys.secretKey]
        let password = "Audit-Passw0rd-4711"
        secrets.append(password)
        try s.createUser("auditor", password: password)
        let login = try s.login("auditor", password)
        let access = try #require(login.string("access"))
        let refresh = try #require(login.cookie("auth-refresh-jwt"))
        secrets += [access, refresh]
        _ = try s.login("auditor", "wrong-" + password)

        let created = try s.post("mfa/", #"{"method": "app"}"#, token: access)
        guard case .string(let qr)? = created.object("setup_data")?["qr_link"] else { Issue.record("no qr"); return }
        let phone = Phone(qrLink: qr)
        let backup = created.strings("backup_codes")
        secrets += [phone.secret] + backup
        let confirmCode = phone.nextCode()
        secrets.append(confirmCode)
        #expect(try s.post("mfa/confirm/", #"{"method": "app", "code": "\#(confirmCode)"}"#, token: access).status == 200)

        let emailCreated = try s.post("mfa/", #"{"method": "email"}"#, token: access)
        secrets += emailCreated.strings("backup_codes")
        let mailed = try #require(s.mailbox.message(0, to: "auditor@example.com")?.code)
        secrets.append(mailed)
        #expect(try s.post("mfa/confirm/", #"{"method": "email", "code": "\#(mailed)"}"#, token: access).status == 200)

        let ephemeral = try #require(try s.login("auditor", password).string("ephemeral_token"))
        secrets.append(ephemeral)
        _ = try s.post("login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "999999"}"#)
        let verified = try s.post("login/verify/", #"{"ephemeral_token": "\#(ephemeral)", "code": "\#(backup[0])"}"#)
        #expect(verified.status == 200)
        if let a = verified.string("access") { secrets.append(a) }
        if let r = verified.cookie("auth-refresh-jwt") { secrets.append(r) }
        let refreshed = try s.post("token/refresh/", #"{"refresh": "\#(refresh)"}"#)
        if let a = refreshed.string("access") { secrets.append(a) }
        _ = try s.post("token/verify/", #"{"token": "\#(access)"}"#)
        _ = try s.http.get("user/", headers: [("Cookie", "auth-jwt=\(access)")])
        _ = try s.post("logout/", #"{"refresh": "\#(refresh)"}"#, token: access)
        _ = try s.get("mfa/", token: "garbage-\(access.prefix(20))")
        s.stop()

        var logs = s.app.log()
        for file in ["access.log", "error.log"] {
            logs += (try? String(contentsOfFile: s.nginx.prefix + "/" + file, encoding: .utf8)) ?? ""
        }
        #expect(logs.contains("route=login/verify/"), "the logs were captured")
        for secret in Set(secrets) where secret.count >= 6 {
            #expect(!logs.contains(secret), "a secret value appears in the logs: \(secret.prefix(8))…")
        }
        // Tokens are long: not even a prefix of one may leak (e.g. a truncated Authorization header).
        for token in secrets where token.count > 100 {
            #expect(!logs.contains(String(token.dropFirst(36).prefix(24))), "a JWT fragment appears in the logs")
        }
    }
}
