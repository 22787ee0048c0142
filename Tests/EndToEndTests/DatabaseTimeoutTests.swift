import Foundation
import Synchronization
import Testing
import TestSupport

/// A database that stalls instead of failing: a lock held by someone else, a frozen server.
/// Each must cost a request a 503 JSON within the configured timeouts, never a worker.
@Suite struct DatabaseTimeoutTests {
    /// Short timeouts, so the bounds below stay far under nginx's fastcgi_read_timeout (60 s).
    static let settings = ["AUTHKIT_DATABASE_STATEMENT_TIMEOUT": "2", "AUTHKIT_DATABASE_LOCK_TIMEOUT": "1",
                           "AUTHKIT_DATABASE_CONNECT_TIMEOUT": "2", "AUTHKIT_DATABASE_RECONNECT_MAX_DELAY": "0.5",
                           "AUTHKIT_HEALTHZ_MAX_AGE": "0"]
    static let login = #"{"username": "stalled", "password": "S3cret-pass!"}"#

    struct Answer: Sendable {
        let path: String
        let status: Int
        let contentType: String?
        let seconds: Double

        /// One request (a login for "login/", else a GET) and how long its answer took.
        static func measure(_ http: HTTPClient, _ path: String) -> Answer {
            let started = Date()
            let response = try? (path == "login/" ? http.post(path, json: DatabaseTimeoutTests.login) : http.get(path))
            return Answer(path: path, status: response?.status ?? -1, contentType: response?.header("Content-Type"),
                          seconds: Date().timeIntervalSince(started))
        }
    }

    /// `count` logins and two healthz at once (more requests than the app's 4 workers).
    static func burst(_ http: HTTPClient, logins count: Int) -> [Answer] {
        let answers = Mutex<[Answer]>([])
        Concurrently.run(count + 2) { i in
            let answer = Answer.measure(http, i < count ? "login/" : "healthz")
            answers.withLock { $0.append(answer) }
        }
        return answers.withLock { $0 }
    }

    @Test func aHeldLockCostsEachRequestA503WithinTheLockTimeout() throws {
        let stack = try Stack(settings: Self.settings)
        defer { stack.stop() }
        try stack.createUser("stalled")
        #expect(try stack.http.post("login/", json: Self.login).status == 200)

        // Another session holds mfa_methods in ACCESS EXCLUSIVE mode inside an open transaction.
        let locker = try Subprocess(stack.cluster.binaries + "/psql", [
            "-h", stack.cluster.socketDirectory, "-p", "5432", "-U", "postgres", "-d", stack.database, "-c",
            "BEGIN; LOCK TABLE mfa_methods IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120)"],
            environment: ["PATH": "/usr/bin:/bin", "PGAPPNAME": "authkit-test-locker"])
        let release = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            + "WHERE application_name = 'authkit-test-locker'"
        defer {
            _ = try? stack.psql(release)
            locker.signal(SIGKILL)
            _ = locker.wait(seconds: 10)
        }
        let held = "SELECT count(*) FROM pg_locks WHERE relation = 'mfa_methods'::regclass "
            + "AND mode = 'AccessExclusiveLock' AND granted"
        #expect(Paths.waitFor(seconds: 20) { (try? stack.psql(held)) == "1" })

        let answers = Self.burst(stack.http, logins: 8)
        // 8 logins on 4 workers: two rounds of lock_timeout (1 s), plus generous slack.
        let bound = 10.0
        for answer in answers where answer.path == "login/" {
            #expect(answer.status == 503, "\(answer)")
            #expect(answer.contentType == "application/json", "\(answer)")
            #expect(answer.seconds < bound, "\(answer)")
        }
        for answer in answers where answer.path == "healthz" {
            #expect(answer.status == 200, "healthz needs no mfa_methods: \(answer)")
            #expect(answer.seconds < bound, "\(answer)")
        }
        let slowest = answers.map(\.seconds).max() ?? 0
        print("held lock: \(answers.count) answers, slowest \(String(format: "%.2f", slowest)) s")
        let log = stack.app.log()
        #expect(log.contains("database statement timed out") && log.contains("55P03"))
        #expect(!log.contains("unhandled error"))

        _ = try stack.psql(release)
        #expect(locker.wait(seconds: 20) != nil)
        // The same workers answer: none was left pinned or inside a transaction.
        for _ in 0..<8 {
            let response = try stack.http.post("login/", json: Self.login)
            #expect(response.status == 200, "\(response)")
        }
    }

    @Test func aFrozenDatabaseGives503WithinTheTimeoutsThenRecovers() throws {
        let cluster = try PostgresCluster()  // its own cluster: freezing it must not stall other tests
        let stack = try Stack(cluster: cluster, settings: Self.settings)
        defer {
            try? cluster.thaw()
            stack.stop()
        }
        try stack.createUser("stalled")
        #expect(try stack.http.post("login/", json: Self.login).status == 200)
        let pid = stack.app.pid

        try cluster.freeze()
        // Connections already open wait statement_timeout + 1 s (2 + 1), new ones connect_timeout
        // (2 s); a request can meet both: far under 15 s, and nginx's 60 s.
        let bound = 15.0
        var answers = Self.burst(stack.http, logins: 8)
        for _ in 0..<4 {
            for path in ["login/", "healthz"] { answers.append(Answer.measure(stack.http, path)) }
        }
        for answer in answers {
            #expect(answer.status == 503, "\(answer)")
            #expect(answer.contentType == "application/json", "\(answer)")
            #expect(answer.seconds < bound, "\(answer)")
        }
        let slowest = answers.map(\.seconds).max() ?? 0
        let mean = answers.map(\.seconds).reduce(0, +) / Double(max(1, answers.count))
        print("frozen database: \(answers.count) answers, all 503: \(answers.allSatisfy { $0.status == 503 }), "
              + "slowest \(String(format: "%.2f", slowest)) s, mean \(String(format: "%.2f", mean)) s")

        try cluster.thaw()
        let thawed = Date()
        var last = ""
        let recovered = Paths.waitFor(seconds: 30) {
            let response = try? stack.http.post("login/", json: Self.login)
            last = response.map { "\($0)" } ?? "no answer"
            return response?.status == 200
        }
        #expect(recovered, "last answer: \(last); app log: \(stack.app.log().suffix(2000))")
        print("frozen database: recovered \(String(format: "%.2f", Date().timeIntervalSince(thawed))) s after SIGCONT")
        for _ in 0..<8 { #expect(try stack.http.post("login/", json: Self.login).status == 200) }
        #expect(stack.app.pid == pid && stack.app.process.isRunning)
        #expect(!stack.app.log().contains("unhandled error"))
    }
}
