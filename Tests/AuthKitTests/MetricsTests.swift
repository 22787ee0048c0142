import Testing
@testable import AuthKit

@Suite struct MetricsUnitTests {
    func metrics() -> Metrics { Metrics(routeNames: ["healthz/", "login/"], methods: ["app", "email"],
                                 kinds: ["totp", "email", "backup"], shards: 3) }

    @Test func shardsAreSummedAndBucketsAreCumulative() {
        let m = metrics()
        m.shard(0).request(route: 1, status: 200, micros: 100)      // first bucket (≤ 250 µs)
        m.shard(1).request(route: 1, status: 200, micros: 3_000)    // ≤ 5 ms
        m.shard(2).request(route: 1, status: 429, micros: 9_000_000) // +Inf
        m.shard(.max).request(route: 0, status: 418, micros: 250)    // unknown status: "other"; shared last shard
        let text = MetricsExporter(metrics: m, lanes: HashLanes(untrusted: HashBudget(concurrency: 1, queue: 0, timeout: 1),
                                                              trusted: HashBudget(concurrency: 1, queue: 0, timeout: 1),
                                                              enrolment: HashBudget(concurrency: 1, queue: 0, timeout: 1)), workers: 2)
            .render(pending: nil)
        #expect(text.contains(#"authkit_requests_total{route="login/",status="200"} 2"#))
        #expect(text.contains(#"authkit_requests_total{route="login/",status="429"} 1"#))
        #expect(text.contains(#"authkit_requests_total{route="healthz/",status="other"} 1"#))
        #expect(text.contains(#"authkit_request_duration_seconds_bucket{route="login/",le="0.000250"} 1"#))
        #expect(text.contains(#"authkit_request_duration_seconds_bucket{route="login/",le="0.002500"} 1"#))
        #expect(text.contains(#"authkit_request_duration_seconds_bucket{route="login/",le="0.005000"} 2"#))
        #expect(text.contains(#"authkit_request_duration_seconds_bucket{route="login/",le="2.500000"} 2"#))
        #expect(text.contains(#"authkit_request_duration_seconds_bucket{route="login/",le="+Inf"} 3"#))
        #expect(text.contains(#"authkit_request_duration_seconds_sum{route="login/"} 9.003100"#))
        #expect(text.contains(#"authkit_throttled_total{route="login/"} 1"#))
        #expect(!text.contains(#"route="-""#), "routes without requests are left out")
        #expect(text.contains("authkit_database_up 0"), "no database configured here")
    }

    @Test func codeChecksAreIndexedByFlowMethodKindAndResult() {
        let m = metrics()
        m.shard(0).codeCheck(flow: .login, method: "email", kind: "backup", success: false)
        m.shard(1).codeCheck(flow: .manage, method: "app", kind: "totp", success: true)
        m.shard(1).codeCheck(flow: .manage, method: "webauthn", kind: "totp", success: true)  // unknown: ignored
        m.shard(1).codeCheck(flow: .login, method: "email", kind: "email", success: true)
        m.shard(0).lockout(method: "email")
        let text = MetricsExporter(metrics: m, lanes: HashLanes(untrusted: HashBudget(concurrency: 1, queue: 0, timeout: 1),
                                                              trusted: HashBudget(concurrency: 1, queue: 0, timeout: 1),
                                                              enrolment: HashBudget(concurrency: 1, queue: 0, timeout: 1)), workers: 2)
            .render(pending: nil)
        #expect(text.contains(#"authkit_mfa_code_checks_total{flow="login",method="email",kind="backup",result="failure"} 1"#))
        #expect(text.contains(#"authkit_mfa_code_checks_total{flow="manage",method="app",kind="totp",result="success"} 1"#))
        #expect(text.contains(#"authkit_mfa_code_checks_total{flow="login",method="app",kind="totp",result="success"} 0"#))
        #expect(text.contains(#"authkit_mfa_code_checks_total{flow="login",method="email",kind="email",result="success"} 1"#))
        #expect(text.contains(#"authkit_mfa_lockouts_total{method="email"} 1"#))
        #expect(text.contains(#"authkit_mfa_lockouts_total{method="app"} 0"#))
    }

    @Test func textFormatEscapesAndSeconds() {
        #expect(PrometheusText.escape(#"a"b\c"# + "\n") == #"a\"b\\c\n"#)
        #expect(PrometheusText.seconds(0) == "0.000000")
        #expect(PrometheusText.seconds(1_234_567) == "1.234567")
        #expect(PrometheusText.seconds(42) == "0.000042")
    }

    @Test func routeIndexesFollowTheMetricsLabels() {
        let app = Application(settings: try! Settings.load(from: [:], requireDatabase: false))
        for route in app.router.allRoutes {
            #expect(app.metrics.layout.routes[route.index] == route.name)
        }
        #expect(app.metrics.layout.routes[app.metrics.layout.unrouted] == "-")
    }
}
