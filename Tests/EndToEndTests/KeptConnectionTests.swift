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
        let nginx = try NginxInstance(upstream: "server unix:\(app.socketPath); keepalive 4;", keepConnections: true)
        defer { nginx.stop(); app.terminate() }
        let http = HTTPClient(port: nginx.port, prefix: "/api/auth/")
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
        // nginx kept its connections to the app open: they are still connected, idle. (The
        // kernel names accepted sockets after the path the listener was bound to, a temporary
        // name that `serve` renames into place.)
        let connected = try String(contentsOfFile: "/proc/net/unix", encoding: .utf8).split(separator: "\n").filter { line in
            line.split(separator: " ").last?.hasPrefix(app.socketPath) == true && line.contains(" 03 ")
        }.count
        #expect(connected > 0, "no kept connection to \(app.socketPath)")
    }
}
