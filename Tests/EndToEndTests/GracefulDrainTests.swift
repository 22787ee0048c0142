import Foundation
import Synchronization
import Testing
import TestSupport

/// SIGTERM drains: new connections are refused first (the socket path goes, so nginx moves on
/// to another server of its upstream), what is already queued on the socket and in flight is
/// answered, then the process exits 0. And healthz reports the instance's share of workers
/// holding a live database connection.
@Suite struct GracefulDrainTests {
    /// One worker, busy with a request whose body has not arrived: the next connections stay
    /// in the listen queue while SIGTERM arrives. Each one gets its real answer.
    @Test(arguments: [false, true])
    func sigtermAnswersEveryQueuedConnectionThenExitsZero(tcp: Bool) throws {
        let pg = try PostgresCluster.shared.get()
        let port = Paths.freePort()
        let app = try AppInstance(databaseURL: pg.url(try pg.createDatabase()), settings: ["AUTHKIT_WORKERS": "1",
                                  // A loaded CI machine must not reach the half-timeout queue cut.
                                  "AUTHKIT_SHUTDOWN_TIMEOUT": "600"],
                                  arguments: tcp ? ["--bind", "127.0.0.1:\(port)"] : [], waitForSocket: !tcp)
        defer { app.terminate() }
        func connect() throws -> FastCGIClient {
            tcp ? try FastCGIClient(tcpPort: port) : try FastCGIClient(unixPath: app.socketPath)
        }
        #expect(Paths.waitFor(seconds: 20) { app.log().contains("msg=serving") })
        // Each client is released once its response is read: libfcgi waits up to 2 s for the
        // peer to close after a response (nginx closes at once).
        var busy: FastCGIClient? = try connect()
        busy?.begin(method: "POST", uri: "/api/auth/login/", contentLength: 4, contentType: "application/json")
        busy?.sendBody(Array("{}".utf8), end: false)
        usleep(200_000)
        // Queued behind the busy worker: complete requests nobody has accepted yet.
        var queued: [FastCGIClient?] = []
        for i in 0..<8 {
            let client = try connect()
            if i % 2 == 0 {
                client.begin(method: "GET", uri: "/api/auth/healthz")
                client.sendBody([])
            } else {
                let body = Array(#"{"username": "nobody", "password": "wrong-pass"}"#.utf8)
                client.begin(method: "POST", uri: "/api/auth/login/", contentLength: body.count,
                             contentType: "application/json")
                client.sendBody(body)
            }
            queued.append(client)
        }
        app.process.signal(SIGTERM)
        #expect(Paths.waitFor(seconds: 10) { app.log().contains("shutting down") })
        usleep(100_000)
        #expect(app.process.isRunning, "exited with connections still queued")
        if !tcp {
            // New connections fail at once: the path is gone.
            #expect(!FileManager.default.fileExists(atPath: app.socketPath))
            #expect(throws: (any Error).self) { try FastCGIClient(unixPath: app.socketPath) }
        }
        /// A lost answer names the client and shows the app's log.
        func answer(_ client: FastCGIClient?, _ name: String) throws -> String {
            do {
                return try client?.readResponse() ?? ""
            } catch {
                Issue.record("\(name): \(error)\napp log:\n\(app.log().suffix(4000))")
                throw error
            }
        }
        busy?.sendBody(Array("  ".utf8))
        #expect(try answer(busy, "busy").hasPrefix("Status: 400 Bad Request\r\n"))
        busy = nil
        for i in queued.indices {
            let response = try answer(queued[i], "queued \(i)")
            queued[i] = nil
            if i % 2 == 0 {
                #expect(response.hasPrefix("Status: 200 OK\r\n"), "\(response)")
            } else {
                #expect(response.hasPrefix("Status: 400 Bad Request\r\n"), "\(response)")
                #expect(response.contains("Unable to log in with provided credentials."), "\(response)")
            }
        }
        #expect(app.process.wait(seconds: 20) == 0)
        #expect(app.log().contains("msg=stopped"))
        if tcp {
            // Once drained, the TCP listener is shut: new connections are refused.
            #expect(throws: (any Error).self) { try FastCGIClient(tcpPort: port) }
        }
    }

    /// Two instances behind one upstream, concurrent POSTs and GETs through nginx while one
    /// instance is stopped: every request gets the application's answer, none nginx's 503.
    @Test func requestsKeepSucceedingWhileOneOfTwoInstancesStops() throws {
        let cluster = try PostgresCluster.shared.get()
        let db = try cluster.createDatabase()
        // Few workers and real hash cost, so requests queue on the instance being stopped.
        let settings = ["AUTHKIT_WORKERS": "4", "AUTHKIT_PASSWORD_HASH_ITERATIONS": "200000",
                        "AUTHKIT_PASSWORD_HASH_CONCURRENCY": "3", "AUTHKIT_PASSWORD_HASH_QUEUE": "0",
                        "AUTHKIT_PASSWORD_FAILURES_BEFORE_DELAY": "1000000"]
        let a = try AppInstance(databaseURL: cluster.url(db), settings: settings)
        let b = try AppInstance(databaseURL: cluster.url(db), settings: settings)
        let nginx = try NginxInstance(upstream: "server unix:\(a.socketPath); server unix:\(b.socketPath);")
        defer { nginx.stop(); a.terminate(); b.terminate() }
        let s = try Stack(existing: cluster, database: db, app: a, nginx: nginx)
        _ = try s.createUser("walker")

        let statuses = Mutex<[String: Int]>([:])
        let stop = StopFlag()
        let clients = Concurrently.start(6) { i in
            while !stop.value.load(ordering: .relaxed) {
                let status: Int
                if i % 2 == 0 {
                    let body = #"{"username": "walker", "password": "not-the-password"}"#
                    status = (try? s.post("login/", body))?.status ?? -1
                } else {
                    status = (try? s.http.get("healthz"))?.status ?? -1
                }
                statuses.withLock { $0["\(status)", default: 0] += 1 }
            }
        }
        // Wait until the first instance has answered some, then stop it mid-stream.
        #expect(Paths.waitFor(seconds: 20) { a.log().components(separatedBy: "route=login/").count > 4 })
        a.process.signal(SIGTERM)
        let status = a.process.wait(seconds: 20)
        usleep(500_000)
        stop.value.store(true, ordering: .relaxed)
        clients.wait()
        let counts = statuses.withLock { $0 }
        #expect(status == 0)
        #expect(Set(counts.keys).isSubset(of: ["200", "400"]), "\(counts)\n\(nginx.errorLog())")
        #expect((counts["400"] ?? 0) > 6 && (counts["200"] ?? 0) > 6, "\(counts)")
        #expect(b.process.isRunning)
    }

    /// The instance's share of live connections: a role limited to 2 connections leaves most
    /// of the 6 workers without one after a DBA terminates the sessions (503 `degraded`); when
    /// the limit is lifted the idle workers reconnect on their own (200 `ok`).
    @Test func healthzReportsTheShareOfLiveConnections() throws {
        let cluster = try PostgresCluster.shared.get()
        let db = try cluster.createDatabase()
        let role = "limited_\(db)"
        _ = try cluster.psql("CREATE ROLE \(role) LOGIN")
        _ = try cluster.psql("GRANT USAGE ON SCHEMA public TO \(role);"
                             + " GRANT ALL ON ALL TABLES IN SCHEMA public TO \(role);"
                             + " GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO \(role)", database: db)
        let url = cluster.url(db).replacingOccurrences(of: "user=postgres", with: "user=\(role)")
        let app = try AppInstance(databaseURL: url, settings: [
            "AUTHKIT_WORKERS": "6", "AUTHKIT_HEALTHZ_MAX_AGE": "0", "AUTHKIT_DATABASE_RECONNECT_MAX_DELAY": "0.2"])
        let nginx = try NginxInstance(upstream: "server unix:\(app.socketPath);")
        defer { nginx.stop(); app.terminate() }
        let http = HTTPClient(port: nginx.port, prefix: "/api/auth/")
        var last: HTTPClient.Response?
        #expect(Paths.waitFor(seconds: 20) {
            last = try? http.get("healthz")
            return last?.text == #"{"status":"ok","database":"ok","connections":{"live":6,"total":6}}"#
        }, "\(last?.text ?? "")")
        #expect(last?.status == 200)

        _ = try cluster.psql("ALTER ROLE \(role) CONNECTION LIMIT 2")
        _ = try cluster.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '\(role)'")
        func live(_ response: HTTPClient.Response?) -> Int {
            response.flatMap { $0.text.split(separator: "\"live\":").last?.prefix(1) }.flatMap { Int($0) } ?? -1
        }
        // The sessions end a moment after pg_terminate_backend returns: wait for the count to
        // settle. `database` is the answering worker's own view: it may be one without a connection.
        #expect(Paths.waitFor(seconds: 20) {
            last = try? http.get("healthz")
            return last?.text.hasPrefix(#"{"status":"degraded","database":"#) == true && live(last) <= 2
        }, "\(last?.text ?? "")")
        #expect(last?.status == 503)
        #expect(last?.text.hasSuffix(#""total":6}}"#) == true)
        #expect((1...2).contains(live(last)), "\(last?.text ?? "")")
        #expect(app.log().contains("database connection lost while idle"))

        // The limit goes: without any request but the health checks, every worker reconnects.
        _ = try cluster.psql("ALTER ROLE \(role) CONNECTION LIMIT -1")
        #expect(Paths.waitFor(seconds: 20) {
            last = try? http.get("healthz")
            return last?.text == #"{"status":"ok","database":"ok","connections":{"live":6,"total":6}}"#
        }, "\(last?.text ?? "")")
        #expect(last?.status == 200)
        #expect(app.terminate() == 0)
    }
}

private final class StopFlag: Sendable {
    let value = Atomic<Bool>(false)
}
