import Foundation
import Testing
import TestSupport

/// The responder's process behaviour: listeners, signals, vanished clients.
@Suite struct LifecycleTests {
    func cluster() throws -> PostgresCluster { try PostgresCluster.shared.get() }

    @Test func sigtermFinishesTheRequestInFlightThenExitsZero() throws {
        let pg = try cluster()
        let app = try AppInstance(databaseURL: pg.url(try pg.createDatabase()))
        // A request whose body has not fully arrived is in flight in a worker.
        let client = try FastCGIClient(unixPath: app.socketPath)
        client.begin(method: "POST", uri: "/api/auth/login/", contentLength: 4, contentType: "application/json")
        client.sendBody(Array("{}".utf8), end: false)
        usleep(200_000)
        app.process.signal(SIGTERM)
        usleep(300_000)
        #expect(app.process.isRunning, "exited before the in-flight request finished")
        client.sendBody(Array("  ".utf8))
        let response = try client.readResponse()
        #expect(response.hasPrefix("Status: 400 Bad Request\r\n"))
        #expect(response.contains(#"{"username":["This field is required."],"password":["This field is required."]}"#))
        #expect(app.process.wait(seconds: 20) == 0)
        #expect(!FileManager.default.fileExists(atPath: app.socketPath), "socket file left behind")
        #expect(app.log().contains("msg=stopped"))
        // A new connection is refused once the server has stopped.
        #expect(throws: (any Error).self) { try FastCGIClient(unixPath: app.socketPath) }
    }

    @Test func idleServerStopsOnSigint() throws {
        let pg = try cluster()
        let app = try AppInstance(databaseURL: pg.url(try pg.createDatabase()))
        app.process.signal(SIGINT)
        #expect(app.process.wait(seconds: 20) == 0)
    }

    @Test func clientsThatVanishDoNotHurtTheProcess() throws {
        let pg = try cluster()
        let app = try AppInstance(databaseURL: pg.url(try pg.createDatabase()))
        for _ in 0..<20 {
            let client = try FastCGIClient(unixPath: app.socketPath)
            client.begin(method: "GET", uri: "/api/auth/healthz")
            client.sendBody([])
            // Dropped without reading: the response write hits a closed socket.
        }
        usleep(300_000)
        #expect(app.process.isRunning)
        let client = try FastCGIClient(unixPath: app.socketPath)
        client.begin(method: "GET", uri: "/api/auth/healthz")
        client.sendBody([])
        #expect(try client.readResponse().contains(#"{"status":"ok","database":"ok","connections":{"#))
        #expect(app.terminate() == 0)
    }

    @Test func doctorExitsNonZeroOnlyWhenSomethingMustBeFixed() throws {
        let s = try Stack()
        defer { s.stop() }
        let fine = try s.cli(["doctor"])
        #expect(fine.status == 0)
        #expect(fine.output.contains("ok    migrations: all "))
        #expect(fine.output.contains("WARN  email: AUTHKIT_EMAIL_BACKEND=file"))
        #expect(fine.output.contains(" 0 to fix"))
        var env = s.app.environment
        env["AUTHKIT_DATABASE_URL"] = "postgresql:///nope?host=/nonexistent"
        let broken = try Shell.run(Paths.binary, ["doctor"], environment: env, allowFailure: true)
        #expect(broken.status == 1)
        #expect(broken.output.contains("FAIL  database: cannot connect (AUTHKIT_DATABASE_URL)"))
        #expect(!broken.output.contains(TestKeys.secretKey))
    }

    @Test func listensOnTCPWithBind() throws {
        let pg = try cluster()
        let port = Paths.freePort()
        let app = try AppInstance(databaseURL: pg.url(try pg.createDatabase()), arguments: ["--bind", "127.0.0.1:\(port)"],
                                  waitForSocket: false)
        var response = ""
        #expect(Paths.waitFor(seconds: 20) {
            guard let client = try? FastCGIClient(tcpPort: port) else { return false }
            client.begin(method: "GET", uri: "/api/auth/healthz")
            client.sendBody([])
            response = (try? client.readResponse()) ?? ""
            return true
        })
        #expect(response.hasPrefix("Status: 200 OK\r\n"))
        #expect(app.terminate() == 0)
    }

    @Test func servesAnInheritedSocketOnFD0() throws {
        let pg = try cluster()
        let dir = try Paths.temporaryDirectory("authkit-fd0")
        let path = dir + "/spawned.sock"
        let fd = try Sockets.listenUnix(path: path)
        defer { close(fd) }
        // Like spawn-fcgi: the listening socket is fd 0 and no socket setting is given.
        let app = try AppInstance(databaseURL: pg.url(try pg.createDatabase()), settings: ["AUTHKIT_SOCKET": ""],
                                  stdinFD: fd, waitForSocket: false)
        var response = ""
        #expect(Paths.waitFor(seconds: 20) {
            guard let client = try? FastCGIClient(unixPath: path) else { return false }
            client.begin(method: "GET", uri: "/api/auth/healthz")
            client.sendBody([])
            response = (try? client.readResponse()) ?? ""
            return !response.isEmpty
        })
        #expect(response.hasPrefix("Status: 200 OK\r\n"))
        #expect(app.log().contains("listen=fd:0"))
        #expect(app.terminate() == 0)
        // The inherited socket belongs to the parent: it is left in place.
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func restartingOnTheSamePathReplacesTheSocketAtomically() throws {
        let pg = try cluster()
        let database = try pg.createDatabase()
        let first = try AppInstance(databaseURL: pg.url(database))
        let second = try AppInstance(databaseURL: pg.url(database), settings: ["AUTHKIT_SOCKET": first.socketPath],
                                     waitForSocket: false)
        #expect(Paths.waitFor(seconds: 20) { second.log().contains("msg=serving") })
        // The old instance stops; it must not unlink the socket the new one now owns.
        #expect(first.terminate() == 0)
        #expect(FileManager.default.fileExists(atPath: first.socketPath))
        let client = try FastCGIClient(unixPath: first.socketPath)
        client.begin(method: "GET", uri: "/api/auth/healthz")
        client.sendBody([])
        #expect(try client.readResponse().hasPrefix("Status: 200 OK\r\n"))
        #expect(second.terminate() == 0)
    }

    @Test func invalidSettingsStopStartUpNamingTheSetting() throws {
        let (status, output) = try Shell.run(Paths.binary, ["serve"], environment: [
            "AUTHKIT_DATABASE_URL": "postgresql:///x", "AUTHKIT_MAX_BODY_SIZE": "huge"], allowFailure: true)
        #expect(status != 0)
        #expect(output.contains("AUTHKIT_MAX_BODY_SIZE"))
        let missing = try Shell.run(Paths.binary, ["migrate"], environment: [:], allowFailure: true)
        #expect(missing.status != 0)
        #expect(missing.output.contains("AUTHKIT_DATABASE_URL"))
    }
}
