import AuthKit
import Foundation
import Logging
import Testing
import TestSupport

/// Random requests through the whole pipeline against a real PostgreSQL: no 500, no HTML,
/// whatever the verb, path, headers, Content-Type or body.
@Suite struct PipelineFuzzTests {
    @Test func noRequestProducesA500OrHTML() throws {
        let cluster = try PostgresCluster.shared.get()
        let db = try cluster.createDatabase()
        let settings = try Settings.load(from: [
            "AUTHKIT_DATABASE_URL": cluster.url(db), "AUTHKIT_SECRET_KEY": TestKeys.secretKey, "AUTHKIT_PASSWORD_HASH_ITERATIONS": "10",
            "AUTHKIT_THROTTLE_RATES": "none", "AUTHKIT_MFA_FAILURES_BEFORE_DELAY": "1000000", "AUTHKIT_MFA_MAX_FAILURES": "1000000",
            "AUTHKIT_PASSWORD_FAILURES_BEFORE_DELAY": "1000000", "AUTHKIT_MFA_SEND_COOLDOWN": "0", "AUTHKIT_WORKERS": "4",
        ], requireSecretKey: true)
        let app = Application(settings: settings)
        let database = Database(settings: settings.database)
        _ = try cluster.psql("INSERT INTO users (username, email, password) VALUES ('fuzz', 'fuzz@example.com', '\(DjangoPassword.make("pw", iterations: 10))')", database: db)
        func send(_ request: HTTPRequest) -> HTTPResponse { app.respond(to: request, database: database, logger: Logger(label: "fuzz")).0 }
        let login = send(HTTPRequest(method: .post, path: "/api/auth/login/", contentType: "application/json",
                                     body: Array(#"{"username":"fuzz","password":"pw"}"#.utf8)))
        guard case .object(let o)? = try? JSONParser.parse(login.body), case .string(let token)? = o["access"] else {
            Issue.record("login failed"); return
        }
        _ = send(HTTPRequest(method: .post, path: "/api/auth/mfa/", contentType: "application/json", headers: .init(authorization: "Bearer \(token)"),
                             body: Array(#"{"method":"app"}"#.utf8)))

        var rng = SplitMix64(seed: 0x5EED)
        let paths = ["login/", "login", "login/verify/", "login/change-method/", "login/resend/", "login/challenge/", "token/refresh/",
                     "token/verify/", "logout/", "user/", "mfa/", "mfa", "mfa/confirm/", "mfa/deactivate/", "mfa/primary/", "mfa/send/",
                     "mfa/delete/", "mfa/challenge/", "healthz", "nope/", "%2e%2e/", "login//", "mfa/app/"]
        let methods: [HTTPMethod] = [.get, .post, .put, .patch, .delete, .head, .options, .trace, .other("BREW")]
        let types: [String?] = [nil, "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=B",
                                "text/plain", "application/json; charset=latin-1"]
        let auths: [String?] = [nil, "Bearer \(token)", "Bearer garbage", "Bearer", "Token x", "Bearer \(token) extra"]
        let accepts: [String?] = [nil, "application/json", "text/html", "application/xml", "*/*;q=0", ""]
        for i in 0..<3_000 {
            var body = Array(Fuzz.value(&rng).utf8)
            if Bool.random(using: &rng) { body = Fuzz.mutate(body, &rng) }
            let request = HTTPRequest(
                method: methods.randomElement(using: &rng)!, path: "/api/auth/" + paths.randomElement(using: &rng)!,
                query: Bool.random(using: &rng) ? "" : "format=api&x=%ff", contentType: types.randomElement(using: &rng)!,
                contentLength: i % 97 == 0 ? 10_000_000 : nil,
                headers: .init(authorization: auths.randomElement(using: &rng)!, cookie: i % 5 == 0 ? "auth-jwt=\(token); auth-refresh-jwt=x" : nil,
                               accept: accepts.randomElement(using: &rng)!),
                requestID: "fuzz-\(i)", body: body)
            let response = send(request)
            #expect(response.status.code != 500, "#\(i) \(request.method.name) \(request.path): \(String(decoding: response.body, as: UTF8.self))")
            #expect(response.contentType != "text/html")
            if !response.body.isEmpty {
                #expect(response.contentType == "application/json", "#\(i)")
                #expect((try? JSONParser.parse(response.body)) != nil, "#\(i) body is not JSON")
            }
        }
    }
}
