import Foundation
import Synchronization
import Testing
import TestSupport

/// `fastcgi_keep_conn on` with at least as many workers as nginx connections (docs/scaling.md):
/// a worker must read the next request of its kept connection at once. An earlier build first
/// waited for a *new* connection on the listening socket, so requests on kept connections hung.
@Suite struct KeptConnectionTests {
    @Test func requestsOnKeptConnectionsAreAnsweredAtOnce() throws {
        let cluster = try PostgresCluster.shared.get()
        let app = try AppInstance(databaseURL: cluster.url(try cluster.createDatabase()), settings: ["AUTHKIT_WORKERS": "8"])
        let kept = try NginxInstance(upstream: "server unix:\(app.socketPath); keepalive 4;", keepConnections: true)
        let fresh = try NginxInstance(upstream: "server unix:\(app.socketPath);")
        defer { kept.stop(); fresh.stop(); app.terminate() }
        let http = HTTPClient(port: kept.port, prefix: "/api/auth/")
        let statuses = Mutex<[Int]>([])
        Concurrently.run(4) { _ in
            for i in 0..<25 {
                let status = i % 2 == 0
                    ? (try? http.get("healthz"))?.status ?? -1
                    : (try? http.post("token/verify/", json: #"{"token": "not-a-token"}"#))?.status ?? -1
                statuses.withLock { $0.append(status) }
            }
        }
        let all = statuses.withLock { $0 }
        #expect(all.count == 100)
        #expect(all.filter { $0 == 200 }.count == 52 && all.filter { $0 == 401 }.count == 48, "\(all)")
        let freshHTTP = HTTPClient(port: fresh.port, prefix: "/api/auth/")
        #expect(try freshHTTP.get("healthz").status == 200)

        // With the socket's path moved away nobody can connect any more: only a connection
        // nginx kept open can still reach the app. (Checked by behaviour rather than through
        // /proc/net/unix, whose contents differ between kernels and sandboxes.)
        let aside = app.socketPath + ".aside"
        try FileManager.default.moveItem(atPath: app.socketPath, toPath: aside)
        defer { try? FileManager.default.moveItem(atPath: aside, toPath: app.socketPath) }
        for _ in 0..<4 {
            #expect(try http.get("healthz").status == 200, "nginx did not keep its connections to the app: \(kept.errorLog())")
        }
        // The control: without fastcgi_keep_conn every request needs a new connection, and
        // the snippet turns nginx's 502 into its JSON 503.
        #expect(try freshHTTP.get("healthz").status == 503)
    }
}
