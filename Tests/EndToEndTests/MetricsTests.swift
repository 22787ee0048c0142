import AuthKit
import Foundation
import Testing
import TestSupport

/// GET /metrics through nginx, after a run that exercises every family.
@Suite struct MetricsTests {
    /// `name{labels}` → value, from the Prometheus text.
    static func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            out[String(line[..<space])] = value
        }
        return out
    }

    static func scrape(_ s: Stack) throws -> [String: Double] {
        let response = try s.http.get("/metrics")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        return samples(response.text)
    }

    @Test func everyFamilyCountsAfterARealRun() throws {
        let s = try Stack(settings: ["AUTHKIT_MFA_MAX_FAILURES": "3", "AUTHKIT_MFA_TOTP_DEFAULT_VALID_WINDOW": "1",
                                     "AUTHKIT_PASSWORD_HASH_CONCURRENCY": "1", "AUTHKIT_PASSWORD_HASH_QUEUE": "2"])
        defer { s.stop() }
        let u = try Enrollment.app(s, "metered")
        try u.addEmail("metered")  // a code email through the outbox

        var token = try #require(try s.login("metered").string("ephemeral_token"))
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(u.phone.nextCode())"}"#).status == 200)
        token = try #require(try s.login("metered").string("ephemeral_token"))
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(u.backupCodes[0])"}"#).status == 200)
        #expect(try s.post("mfa/deactivate/", #"{"method": "email", "code": "000000"}"#, token: u.token).status == 400)
        token = try #require(try s.login("metered").string("ephemeral_token"))
        for _ in 0..<3 { #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "000000"}"#).status == 400) }
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "000000"}"#).status == 429, "locked")
        #expect(try s.http.get("nowhere/").status == 404)

        // Slow hashes queue behind a budget of one: logins of an account hashed at a high cost.
        var env = s.app.environment
        env["AUTHKIT_PASSWORD_HASH_ITERATIONS"] = "300000"
        env["AUTHKIT_LOG_LEVEL"] = "warning"
        try Shell.run("/bin/sh", ["-c", "echo S3cret-pass! | exec \"$0\" user create --username slow --password-stdin", Paths.binary],
                      environment: env)
        var metrics = try Self.scrape(s)
        for _ in 0..<5 where (metrics[#"authkit_hash_budget_waits_total{lane="untrusted"}"#] ?? 0) == 0 {
            Concurrently.run(3) { _ in _ = try? s.login("slow") }
            metrics = try Self.scrape(s)
        }

        // A DBA terminates the app's connections: the workers and the sender reconnect.
        _ = try s.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'authkit'")
        for _ in 0..<50 where (metrics["authkit_database_reconnects_total"] ?? 0) == 0 {
            #expect(try s.get("mfa/", token: u.token).status == 200)
            Thread.sleep(forTimeInterval: 0.1)
            metrics = try Self.scrape(s)
        }

        let counters: [String: Double] = [
            #"authkit_requests_total{route="login/verify/",status="200"}"#: 2,
            #"authkit_requests_total{route="login/verify/",status="429"}"#: 1,
            #"authkit_requests_total{route="-",status="404"}"#: 1,
            #"authkit_request_duration_seconds_count{route="login/verify/"}"#: 6,
            #"authkit_request_duration_seconds_bucket{route="login/verify/",le="+Inf"}"#: 6,
            #"authkit_mfa_code_checks_total{flow="login",method="app",kind="totp",result="success"}"#: 1,
            #"authkit_mfa_code_checks_total{flow="login",method="app",kind="backup",result="success"}"#: 1,
            #"authkit_mfa_code_checks_total{flow="login",method="app",kind="totp",result="failure"}"#: 3,
            #"authkit_mfa_code_checks_total{flow="manage",method="email",kind="email",result="failure"}"#: 1,
            #"authkit_mfa_code_checks_total{flow="manage",method="email",kind="email",result="success"}"#: 1,
            #"authkit_mfa_lockouts_total{method="app"}"#: 1,
            #"authkit_throttled_total{route="login/verify/"}"#: 1,
            #"authkit_hash_budget_slots{lane="untrusted"}"#: 1,
            #"authkit_hash_budget_slots{lane="trusted"}"#: 1,
            #"authkit_hash_budget_slots{lane="enrolment"}"#: 1,
            #"authkit_hash_budget_waits_total{lane="untrusted"}"#: 1,
            "authkit_slow_hashes_total": 8,
            #"authkit_outbox_deliveries_total{result="sent"}"#: 1,
            "authkit_database_reconnects_total": 1,
            "authkit_database_up": 1,
            "authkit_workers": 4,
            "process_resident_memory_bytes": 1_000_000,
        ]
        for (name, minimum) in counters {
            let value: Double = metrics[name] ?? -1
            #expect(value >= minimum, "\(name) = \(value)")
        }
        // Exact where the run makes them exact.
        #expect(metrics[#"authkit_mfa_lockouts_total{method="app"}"#] == 1)
        #expect(metrics[#"authkit_mfa_code_checks_total{flow="login",method="app",kind="backup",result="success"}"#] == 1)
        #expect(metrics[#"authkit_requests_total{route="login/verify/",status="400"}"#] == 3)
        for gauge in [#"authkit_hash_budget_in_use{lane="untrusted"}"#, #"authkit_hash_budget_waiting{lane="trusted"}"#,
                      "authkit_outbox_pending", #"authkit_hash_budget_refused_total{lane="enrolment"}"#] {
            #expect(metrics[gauge] != nil, "\(gauge)")
        }
        // The histogram is cumulative and ends at the count.
        let buckets = metrics.filter { $0.key.hasPrefix(#"authkit_request_duration_seconds_bucket{route="login/verify/""#) }
        #expect(buckets.count == 14)
        #expect(buckets.values.max() == metrics[#"authkit_request_duration_seconds_count{route="login/verify/"}"#])
        // Nothing secret: no token, code or address in the exposition.
        let text = try s.http.get("/metrics").text
        #expect(!text.contains(u.token) && !text.contains(u.backupCodes[1]) && !text.contains("metered"))
    }

    @Test func onlyAllowedClientsAndGetReachTheMetrics() throws {
        let s = try Stack(settings: ["AUTHKIT_METRICS_ALLOWED_IPS": "10.0.0.0/8"])
        defer { s.stop() }
        let hidden = try s.http.get("/metrics")
        #expect(hidden.status == 404)
        #expect(hidden.text == #"{"detail":"Not found."}"#)

        let open = try Stack(settings: [:])
        defer { open.stop() }
        let post = try open.http.post("/metrics", json: "{}")
        #expect(post.status == 405)
        #expect(post.header("Allow") == "GET, HEAD")
        #expect(post.text == #"{"detail":"Method \"POST\" not allowed."}"#)
        #expect(try open.http.send("HEAD", "/metrics").status == 200)

        let off = try Stack(settings: ["AUTHKIT_METRICS_PATH": "off"])
        defer { off.stop() }
        #expect(try off.http.get("/metrics").text == #"{"detail":"Not found."}"#)
    }
}
