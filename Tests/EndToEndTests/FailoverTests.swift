import AuthKit
import Foundation
import Synchronization
import Testing
import TestSupport

/// The database fails over under load: the app's AUTHKIT_DATABASE_URL names a primary and its
/// synchronous standby (libpq multi-host, `target_session_attrs=read-write`); the primary is
/// stopped abruptly and the standby promoted. The app keeps serving on the new primary without
/// a restart (503 JSON only in between), every change it acknowledged is there, and no backup
/// code, TOTP step or refresh token is accepted twice across the switch.
@Suite struct FailoverTests {
    /// One answer of the load that runs through the switch.
    struct Answer: Sendable {
        let at: Double
        let route: String
        let status: Int
        let json: Bool
    }

    /// What the load learnt: acknowledged changes, and those whose answer was lost (503).
    struct Ledger: Sendable {
        var answers: [Answer] = []
        /// Refresh tokens revoked by a rotation that answered 200.
        var revoked: [String] = []
        /// Refresh tokens sent in a rotation that answered 503: revoked or not, used once at most.
        var unknownTokens: [String] = []
        /// (user index, backup code) accepted with 200, and those that met a 503.
        var usedCodes: [(Int, String)] = []
        var unknownCodes: [(Int, String)] = []
        /// (switcher index, method asked to be primary, status), in the order sent.
        var primaries: [(Int, String, Int)] = []
    }

    static func refreshToken(_ r: HTTPClient.Response) -> String? {
        if let body = r.string("refresh"), !body.isEmpty { return body }
        return r.headers(named: "Set-Cookie").first { $0.hasPrefix("auth-refresh-jwt=") }
            .map { String($0.dropFirst("auth-refresh-jwt=".count).prefix { $0 != ";" }) }
    }

    /// The jti claim of a JWT (the key of revoked_tokens).
    static func jti(_ token: String) -> String? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var b64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["jti"] as? String
    }

    /// Logs `user` in and sends `code` as the second step; nil when the login itself failed.
    static func verify(_ s: Stack, _ user: String, _ code: String) throws -> HTTPClient.Response? {
        guard let token = try s.login(user).string("ephemeral_token") else { return nil }
        return try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(code)"}"#)
    }

    /// A restart (as a failover) closes every idle connection on the server side: each worker
    /// notices before its next request and reconnects first, so no request after the restart
    /// gets a 503, whether or not its statements could be retried.
    @Test func connectionsClosedWhileIdleAreReplacedBeforeUse() throws {
        let cluster = try PostgresCluster()  // its own: it is restarted
        let s = try Stack(cluster: cluster)
        defer { s.stop() }
        try s.createUser("idle")
        let refresh = { (token: String) in
            try s.http.post("token/refresh/", json: #"{"refresh": "\#(token)"}"#).status
        }
        let session = try #require(Self.refreshToken(try s.login("idle")))
        // Every worker has used its connection.
        for _ in 0..<8 { #expect(try s.login("idle").status == 200 && refresh(session) == 200) }
        try cluster.stop()
        try cluster.start()
        var statuses: [Int] = []
        for _ in 0..<8 { statuses += [try refresh(session), try s.login("idle").status] }
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
    }

    @Test func promotingTheStandbyLosesNothingAndAcceptsNothingTwice() throws {
        let started = Date()
        let pg = try ReplicatedPostgres()
        let db = try pg.primary.createDatabase()
        let app = try AppInstance(databaseURL: pg.url(db), settings: [
            "AUTHKIT_MFA_TOTP_DEFAULT_VALID_WINDOW": "2", "AUTHKIT_ROTATE_REFRESH_TOKENS": "true",
            "AUTHKIT_HEALTHZ_MAX_AGE": "0", "AUTHKIT_DATABASE_RECONNECT_MAX_DELAY": "0.2",
            // Room in the slow-hash queue for every client at once: its 503s are not the database's.
            "AUTHKIT_WORKERS": "8", "AUTHKIT_PASSWORD_HASH_QUEUE": "4"])
        let nginx = try NginxInstance(upstream: "server unix:\(app.socketPath);")
        defer { nginx.stop(); app.terminate() }
        let s = try Stack(existing: pg.primary, database: db, app: app, nginx: nginx)
        let newPrimary = { (sql: String) in try pg.standby.psql(sql, database: db) }

        // Before the switch: MFA users with one backup code and one TOTP step used, an email
        // method added for some, a session logged out.
        let users = try (0..<6).map { try Enrollment.app(s, "fo\($0)") }
        var totpUsed: [(Int, String, Int64)] = []
        var revokedByLogout: [String] = []
        for (i, u) in users.enumerated() {
            let step = Int64(Date().timeIntervalSince1970) / 30 + 1
            let code = Phone.code(secret: u.phone.secret, step: step)
            let verified = try #require(try Self.verify(s, "fo\(i)", code))
            #expect(verified.status == 200, "\(verified)")
            totpUsed.append((i, code, step))
            let session = try #require(try Self.verify(s, "fo\(i)", u.backupCodes[0]))
            #expect(session.status == 200, "\(session)")
            let refresh = try #require(Self.refreshToken(session))
            let access = try #require(session.string("access"))
            let out = try s.http.post("logout/", json: #"{"refresh": "\#(refresh)"}"#,
                                      headers: [("Authorization", "Bearer \(access)")])
            #expect(out.status == 200, "\(out)")
            revokedByLogout.append(refresh)
            if i < 3 { try u.addEmail("fo\(i)") }
        }
        for i in 0..<3 { try s.createUser("fo_plain\(i)") }
        // Users whose primary method the load switches back and forth (a method change).
        let switchers = try (0..<3).map { k in
            let u = try Enrollment.app(s, "fo_sw\(k)")
            try u.addEmail("fo_sw\(k)")
            return u
        }

        // The load: three clients rotating refresh tokens, logging in with backup codes and
        // asking healthz, from before the primary stops until after the standby took over.
        let clock = Date()
        let now: @Sendable () -> Double = { Date().timeIntervalSince(clock) }
        let ledger = Mutex(Ledger())
        let stop = Atomic<Bool>(false)
        let load = Concurrently.start(3) { k in
            var refresh: String?
            var codes = [(2 * k, 1), (2 * k + 1, 1), (2 * k, 2), (2 * k + 1, 2), (2 * k, 3), (2 * k + 1, 3),
                         (2 * k, 4), (2 * k + 1, 4)]
            var round = 0
            func call(_ route: String, _ body: () throws -> HTTPClient.Response) -> HTTPClient.Response? {
                guard let r = try? body() else {
                    ledger.withLock { $0.answers.append(Answer(at: now(), route: route, status: -1, json: false)) }
                    return nil
                }
                let json = r.header("Content-Type") == "application/json" && r.json != nil
                ledger.withLock { $0.answers.append(Answer(at: now(), route: route, status: r.status, json: json)) }
                return r
            }
            while !stop.load(ordering: .relaxed) {
                round += 1
                _ = call("healthz") { try s.http.get("healthz") }
                if let old = refresh {
                    let r = call("token/refresh/") {
                        try s.http.post("token/refresh/", json: #"{"refresh": "\#(old)"}"#)
                    }
                    if r?.status == 200, let new = r.flatMap(Self.refreshToken) {
                        refresh = new
                        ledger.withLock { $0.revoked.append(old) }
                    } else {
                        refresh = nil
                        ledger.withLock { $0.unknownTokens.append(old) }
                    }
                } else if let r = call("login/", { try s.login("fo_plain\(k)") }), r.status == 200 {
                    refresh = Self.refreshToken(r)
                }
                if round % 3 == 0 {
                    let method = round % 2 == 0 ? "email" : "app"
                    let r = call("mfa/primary/") {
                        try s.post("mfa/primary/", #"{"method": "\#(method)"}"#, token: switchers[k].token)
                    }
                    ledger.withLock { $0.primaries.append((k, method, r?.status ?? -1)) }
                }
                if round % 4 == 0, case let (user, index)? = codes.first,
                   let r = call("login/", { try s.login("fo\(user)") }), let token = r.string("ephemeral_token") {
                    let code = users[user].backupCodes[index]
                    codes.removeFirst()
                    let v = call("login/verify/") {
                        try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(code)"}"#)
                    }
                    if v?.status == 200 {
                        ledger.withLock { $0.usedCodes.append((user, code)) }
                    } else {
                        ledger.withLock { $0.unknownCodes.append((user, code)) }
                    }
                }
                usleep(50_000)
            }
        }

        Thread.sleep(forTimeInterval: 1.5)
        let stoppedAt = now()
        try pg.primary.stop()
        Thread.sleep(forTimeInterval: 0.5)  // the failure detection of a real setup
        try pg.standby.promote()
        let promotedAt = now()
        #expect(try newPrimary("SELECT pg_is_in_recovery()") == "f")
        let recovered = Paths.waitFor(seconds: 20) { (try? s.http.get("healthz"))?.status == 200 }
        #expect(recovered, "app log: \(app.log().suffix(2000))")
        Thread.sleep(forTimeInterval: 2)
        stop.store(true, ordering: .relaxed)
        load.wait()
        let result = ledger.withLock { $0 }

        // Only 503 JSON, and only between the primary's stop and the app's recovery.
        let answers = result.answers
        let failures = answers.filter { $0.status != 200 }
        #expect(failures.allSatisfy { $0.status == 503 && $0.json },
                "not a 503 JSON: \(failures.filter { $0.status != 503 || !$0.json }.prefix(5))")
        #expect(failures.allSatisfy { $0.at >= stoppedAt }, "a failure before the primary stopped")
        let last503 = failures.map(\.at).max() ?? stoppedAt
        let first503 = failures.map(\.at).min() ?? stoppedAt
        #expect(last503 < promotedAt + 10, "still 503 \(last503 - promotedAt) s after the promotion")
        let servedAfter = answers.filter { $0.at > last503 && $0.status == 200 }.count
        #expect(servedAfter >= 10, "the app kept serving after the switch: \(servedAfter) answers")
        #expect(answers.filter { $0.route == "token/refresh/" && $0.status == 200 && $0.at > promotedAt }.count > 0)

        // Every acknowledged change is on the new primary, and none is accepted again.
        var checked = 0
        var duplicates = 0
        for u in 0..<3 {
            #expect(try newPrimary("""
                SELECT count(*) FROM mfa_methods m JOIN users a ON a.id = m.user_id
                WHERE a.username = 'fo\(u)' AND m.name = 'email' AND m.is_active
                """) == "1")
            checked += 1
        }
        for k in switchers.indices {
            // The last acknowledged choice, or one sent after it whose answer was lost.
            let sent = result.primaries.filter { $0.0 == k }
            let lastAck = sent.lastIndex { $0.2 == 200 }
            var allowed = Set(sent[(lastAck.map { $0 + 1 } ?? 0)...].filter { $0.2 != 200 }.map(\.1))
            allowed.insert(lastAck.map { sent[$0].1 } ?? "app")
            let primary = try newPrimary("""
                SELECT m.name FROM mfa_methods m JOIN users a ON a.id = m.user_id
                WHERE a.username = 'fo_sw\(k)' AND m.is_primary
                """)
            #expect(allowed.contains(primary), "fo_sw\(k): primary \(primary), not one of \(allowed) after \(sent)")
            checked += sent.filter { $0.2 == 200 }.isEmpty ? 0 : 1
        }
        for (i, code, step) in totpUsed {
            #expect(Int64(try newPrimary("""
                SELECT m.last_used_step FROM mfa_methods m JOIN users a ON a.id = m.user_id
                WHERE a.username = 'fo\(i)' AND m.name = 'app'
                """)) ?? -1 >= step)
            let replay = try #require(try Self.verify(s, "fo\(i)", code))
            #expect(replay.status == 400, "TOTP step \(step) of fo\(i) accepted again: \(replay)")
            if replay.status == 200 { duplicates += 1 }
            checked += 1
        }
        let usedCodes = users.indices.map { ($0, users[$0].backupCodes[0]) } + result.usedCodes
        let recorded = Int(try newPrimary("SELECT count(*) FROM mfa_backup_code_uses")) ?? 0
        #expect(recorded >= usedCodes.count, "backup code uses on the new primary: \(recorded) < \(usedCodes.count)")
        for (i, code) in usedCodes {
            let replay = try #require(try Self.verify(s, "fo\(i)", code))
            #expect(replay.status == 400, "backup code of fo\(i) accepted again: \(replay)")
            if replay.status == 200 { duplicates += 1 }
            checked += 1
        }
        for (i, code) in result.unknownCodes {
            let accepted = try (0..<2).filter { _ in try Self.verify(s, "fo\(i)", code)?.status == 200 }.count
            #expect(accepted <= 1, "backup code of fo\(i) whose answer was lost accepted \(accepted) times after")
            duplicates += max(0, accepted - 1)
        }
        let revoked = revokedByLogout + result.revoked
        let jtis = revoked.compactMap(Self.jti)
        #expect(jtis.count == revoked.count)
        let list = jtis.map { "'\($0)'" }.joined(separator: ",")
        #expect(try newPrimary("SELECT count(*) FROM revoked_tokens WHERE jti IN (\(list))") == "\(jtis.count)")
        for token in revoked {
            let again = try s.http.post("token/refresh/", json: #"{"refresh": "\#(token)"}"#)
            #expect(again.status == 401, "a revoked refresh token accepted again: \(again)")
            if again.status == 200 { duplicates += 1 }
            checked += 1
        }
        for token in result.unknownTokens {
            let accepted = try (0..<2).filter { _ in
                try s.http.post("token/refresh/", json: #"{"refresh": "\#(token)"}"#).status == 200
            }.count
            #expect(accepted <= 1)
            duplicates += max(0, accepted - 1)
        }
        #expect(duplicates == 0)
        // The outbox sender thread reconnected too: a code email queued now goes out.
        let mailed = s.mailbox.messages(to: "fo0@example.com").count
        #expect(try s.post("mfa/send/", #"{"method": "email"}"#, token: users[0].token).status == 200)
        #expect(s.mailbox.message(mailed, to: "fo0@example.com") != nil, "no code email after the switch")
        #expect(app.log().contains("database connection re-established"))

        let served = answers.filter { $0.status == 200 }.count
        print("""
            failover: 503 for \(String(format: "%.2f", last503 - first503)) s (\(failures.count) answers) \
            between the primary's stop at \(String(format: "%.2f", stoppedAt)) s and the last 503 \
            \(String(format: "%.2f", last503 - promotedAt)) s after the promotion; \(served) requests served \
            (\(servedAfter) after), \(checked) acknowledged changes checked (\(result.unknownCodes.count) codes and \
            \(result.unknownTokens.count) tokens with a lost answer replayed), \(duplicates) duplicates; \
            test \(String(format: "%.1f", Date().timeIntervalSince(started))) s
            """)
    }
}
