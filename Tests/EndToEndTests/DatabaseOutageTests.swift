import Foundation
import Testing
import TestSupport

/// PostgreSQL goes away under a running app and comes back: 503 JSON meanwhile, recovery
/// without restarting the app.
@Suite struct DatabaseOutageTests {
    @Test func outageGives503ThenRecovers() throws {
        let cluster = try PostgresCluster()  // its own cluster: stopping it must not disturb other tests
        let stack = try Stack(cluster: cluster, settings: ["AUTHKIT_HEALTHZ_MAX_AGE": "0", "AUTHKIT_DATABASE_RECONNECT_MAX_DELAY": "0.2"])
        defer { stack.stop() }
        #expect(try stack.http.get("healthz").status == 200)
        let pid = stack.app.pid

        try cluster.stop()
        var down: HTTPClient.Response?
        #expect(Paths.waitFor(seconds: 15) {
            down = try? stack.http.get("healthz")
            return down?.status == 503
        })
        #expect(down?.text.hasPrefix(#"{"status":"unavailable","database":"unreachable","connections":{"live":"#) == true,
                "\(down?.text ?? "")")
        #expect(down?.header("Content-Type") == "application/json")
        // Requests that need no database keep working; nothing crashes.
        #expect(try stack.http.get("login/").status == 405)
        #expect(stack.app.process.isRunning)

        try cluster.start()
        #expect(Paths.waitFor(seconds: 30) { (try? stack.http.get("healthz"))?.status == 200 })
        #expect(stack.app.pid == pid)
        #expect(stack.app.process.isRunning)
        let log = stack.app.log()
        #expect(log.contains("database unavailable"))
        #expect(log.contains("database connection re-established"))
    }

    @Test func startsWhileTheDatabaseIsDownAndServesWhenItComesUp() throws {
        let cluster = try PostgresCluster()
        let database = try cluster.createDatabase()
        try cluster.stop()
        let app = try AppInstance(databaseURL: cluster.url(database), settings: ["AUTHKIT_DATABASE_RECONNECT_MAX_DELAY": "0.2"])
        let nginx = try NginxInstance(upstream: "server unix:\(app.socketPath);")
        defer { nginx.stop(); app.terminate() }
        let http = HTTPClient(port: nginx.port, prefix: "/api/auth/")
        #expect(try http.get("healthz").status == 503)
        try cluster.start()
        var last = ""
        let recovered = Paths.waitFor(seconds: 30) {
            do {
                let r = try http.get("healthz")
                last = "\(r.status) \(r.text)"
                return r.status == 200
            } catch {
                last = "\(error)"
                return false
            }
        }
        #expect(recovered, "last answer: \(last); app log: \(app.log().suffix(3000)); nginx: \(nginx.errorLog().suffix(1500))")
    }
}
