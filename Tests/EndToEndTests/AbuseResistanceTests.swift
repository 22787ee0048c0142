import AuthKit
import Foundation
import Synchronization
import Testing
import TestSupport

/// The protections against guessing cannot be turned against the account's owner or other
/// users: through nginx, from several loopback source addresses (127.0.0.x), at default limits.
@Suite struct AbuseResistanceTests {
    static let limits: [String: String] = [
        "AUTHKIT_THROTTLE_RATES": "auth_kit=60/min,mfa=30/min,mfa_setup=10/hour",
        "AUTHKIT_MFA_FAILURES_BEFORE_DELAY": "3", "AUTHKIT_PASSWORD_FAILURES_BEFORE_DELAY": "5",
        "AUTHKIT_MFA_TOTP_DEFAULT_VALID_WINDOW": "1",
    ]

    static func login(_ client: HTTPClient, _ username: String, _ password: String = "S3cret-pass!",
                      device: String? = nil) throws -> HTTPClient.Response {
        try client.post("login/", json: #"{"username": "\#(username)", "password": "\#(password)"}"#,
                        headers: device.map { [("Cookie", "authkit-device=\($0)")] } ?? [])
    }

    /// The device cookie a login answer set.
    static func deviceCookie(_ response: HTTPClient.Response) throws -> String {
        let header = try #require(response.headers(named: "Set-Cookie").first { $0.hasPrefix("authkit-device=") })
        return String(header.dropFirst("authkit-device=".count).prefix { $0 != ";" })
    }

    /// Wrong passwords from 14 other clients throttle clients without a device cookie for the
    /// name; the owner's browser, presenting its device cookie, still logs in — until the
    /// password changes, which voids the cookie.
    @Test func wrongPasswordsFromOthersNeverLockTheOwnerOut() throws {
        let s = try Stack(settings: Self.limits)
        defer { s.stop() }
        try s.createUser("owner")
        let browser = s.http.from("127.0.0.2")
        let first = try Self.login(browser, "owner")
        #expect(first.status == 200)
        let device = try Self.deviceCookie(first)
        var statuses: [Int] = []
        for i in 10..<24 { statuses.append(try Self.login(s.http.from("127.0.0.\(i)"), "owner", "wrong-\(i)").status) }
        #expect(statuses.prefix(5).allSatisfy { $0 == 400 }, "\(statuses)")
        #expect(statuses.dropFirst(5).contains(429), "untrusted clients are delayed: \(statuses)")
        // As after hours of such guessing: the shared budget of the name waits for minutes
        // (set here, so no check below depends on how fast this machine is).
        _ = try s.psql("UPDATE login_failures SET blocked_until = now() + interval '10 minutes' WHERE username_key LIKE 'name:%'")
        // Someone without the cookie, even with the right password, waits like the guessers.
        #expect(try Self.login(s.http.from("127.0.0.30"), "owner").status == 429)
        // The owner's browser: its own budget, untouched.
        let owner = try Self.login(browser, "owner", device: device)
        #expect(owner.status == 200, "\(owner)")
        // A device cookie for another name, or a forged one, counts for nothing.
        try s.createUser("other")
        let otherDevice = try Self.deviceCookie(try Self.login(s.http.from("127.0.0.3"), "other"))
        #expect(try Self.login(browser, "owner", device: otherDevice).status == 429)
        #expect(try Self.login(browser, "owner", device: device.dropLast(2) + "AA").status == 429)
        // The owner's own wrong password counts on the device's budget (a row of its own)...
        let current = try Self.deviceCookie(owner)
        let devices = "SELECT count(*) FROM login_failures WHERE username_key LIKE 'device:%'"
        #expect(try Self.login(browser, "owner", "typo", device: current).status == 400)
        #expect(try s.psql(devices) == "1")
        // ...until a new password ends what the old one established: the cookie is void, and
        // the next attempt with it counts on the shared budget of the name.
        Thread.sleep(forTimeInterval: 1.1)  // the cookie must predate the change by a second
        try s.cli(["user", "set-password", "owner", "--password-stdin"], stdin: "N3w-secret-pass!\n")
        _ = try s.psql("DELETE FROM login_failures")
        #expect(try Self.login(browser, "owner", "typo", device: current).status == 400)
        #expect(try s.psql(devices) == "0", "the revoked cookie is treated as no cookie")
        #expect(try s.psql("SELECT failures FROM login_failures WHERE username_key = 'name:' || encode(sha256('owner'), 'hex')") == "1")
    }

    /// Second-factor codes: others who know the password and guess codes delay only clients
    /// without a device cookie; the owner's browser completes its login at once.
    @Test func wrongCodesFromOthersNeverLockTheOwnerOut() throws {
        let s = try Stack(settings: Self.limits)
        defer { s.stop() }
        let u = try Enrollment.app(s, "coder")
        let browser = s.http.from("127.0.0.2")
        var token = try #require(try Self.login(browser, "coder").string("ephemeral_token"))
        let verified = try browser.post("login/verify/", json: #"{"ephemeral_token": "\#(token)", "code": "\#(u.phone.nextCode())"}"#)
        #expect(verified.status == 200)
        let device = try Self.deviceCookie(verified)
        var statuses: [Int] = []
        let guess = { (i: Int) throws -> Int in
            let thief = s.http.from("127.0.0.\(i)")
            let stolen = try #require(try Self.login(thief, "coder").string("ephemeral_token"))
            return try thief.post("login/verify/", json: #"{"ephemeral_token": "\#(stolen)", "code": "000000"}"#).status
        }
        for i in 10..<13 { statuses.append(try guess(i)) }
        #expect(statuses == [400, 400, 400], "\(statuses)")
        // As after hours of such guessing: the shared budget waits for minutes (set here, so no
        // check below depends on how fast this machine is).
        _ = try s.psql("UPDATE mfa_methods SET blocked_until = now() + interval '10 minutes'")
        #expect(try guess(13) == 429)
        token = try #require(try Self.login(browser, "coder", device: device).string("ephemeral_token"))
        let owner = try browser.post("login/verify/", json: #"{"ephemeral_token": "\#(token)", "code": "\#(u.phone.nextCode())"}"#,
                                     headers: [("Cookie", "authkit-device=\(device)")])
        #expect(owner.status == 200, "\(owner)")
        #expect(try s.psql("SELECT string_agg(coalesce(details->>'trusted_device', '-'), ',' ORDER BY id) FROM mfa_events WHERE event = 'login_verified'")
                == "-,true", "the trail says which budget an attempt used")
        #expect(try s.psql("SELECT failed_attempts FROM mfa_methods") == "3", "the others' failures stay counted for them")
    }

    /// A logged-in user looping create → delete is bounded per hour and hashes in its own lane:
    /// other users' logins keep answering 200 meanwhile.
    @Test func anEnrolmentLoopLeavesOtherLoginsAlone() throws {
        let s = try Stack(settings: Self.limits)
        defer { s.stop() }
        try s.createUser("looper")
        try s.createUser("bystander")
        let token = try s.accessToken("looper")
        let creates = Mutex<[Int]>([])
        let logins = Mutex<[Int]>([])
        let loop = Concurrently.start(1) { _ in
            for _ in 0..<12 {
                let created = (try? s.post("mfa/", #"{"method": "app"}"#, token: token))?.status ?? -1
                creates.withLock { $0.append(created) }
                _ = try? s.post("mfa/delete/", #"{"method": "app"}"#, token: token)
            }
        }
        // Two at a time: the untrusted lane of a 4-worker instance hashes two passwords at once
        // and queues none (PASSWORD_HASH_QUEUE = workers/2 - concurrency), so a third concurrent
        // bystander would be refused by the bystanders themselves whenever hashes overlap.
        Concurrently.run(2) { i in
            for _ in 0..<6 {
                let status = (try? Self.login(s.http.from("127.0.0.\(40 + i)"), "bystander"))?.status ?? -1
                logins.withLock { $0.append(status) }
            }
        }
        loop.wait()
        #expect(logins.withLock { $0 }.allSatisfy { $0 == 200 }, "\(logins.withLock { $0 })")
        let made = creates.withLock { $0 }
        #expect(made.prefix(10).allSatisfy { $0 == 201 } && made.dropFirst(10).allSatisfy { $0 == 429 }, "\(made)")
    }

    /// Logins with random names from 16 addresses (each under the per-address rate) fill the
    /// lane of clients without a device cookie; users presenting theirs log in at 200.
    @Test func aRandomUsernameFloodLeavesReturningUsersAlone() throws {
        // Password hashes at a real cost, so the flood can fill its lane.
        let s = try Stack(settings: Self.limits.merging(["AUTHKIT_PASSWORD_HASH_ITERATIONS": "150000"]) { $1 })
        defer { s.stop() }
        var devices: [String: String] = [:]
        for name in ["ada", "bo"] {
            try s.createUser(name)
            devices[name] = try Self.deviceCookie(try Self.login(s.http.from("127.0.0.2"), name))
        }
        let flood = Mutex<[Int]>([])
        let flooding = Concurrently.start(16) { i in
            let client = s.http.from("127.0.0.\(100 + i)")
            for n in 0..<8 {
                let status = (try? Self.login(client, "nobody-\(i)-\(n)-\(UInt32.random(in: 0...UInt32.max))", "x"))?.status ?? -1
                flood.withLock { $0.append(status) }
            }
        }
        var returning: [Int] = []
        for _ in 0..<4 {
            for (name, device) in devices {
                returning.append(try Self.login(s.http.from("127.0.0.3"), name, device: device).status)
            }
        }
        flooding.wait()
        #expect(returning.allSatisfy { $0 == 200 }, "\(returning)")
        let floodStatuses = flood.withLock { $0 }
        #expect(floodStatuses.contains(503), "the flood filled its own lane: \(floodStatuses.sorted())")
        #expect(floodStatuses.allSatisfy { $0 == 400 || $0 == 503 }, "\(floodStatuses.sorted())")
    }

    /// Two instances behind one upstream count one rate: the windows live in PostgreSQL.
    @Test func twoInstancesShareOneRate() throws {
        let cluster = try PostgresCluster.shared.get()
        let db = try cluster.createDatabase()
        let settings = ["AUTHKIT_THROTTLE_RATES": "auth_kit=6/min"]
        let a = try AppInstance(databaseURL: cluster.url(db), settings: settings)
        let b = try AppInstance(databaseURL: cluster.url(db), settings: settings)
        let nginx = try NginxInstance(upstream: "server unix:\(a.socketPath); server unix:\(b.socketPath);")
        defer { nginx.stop(); a.terminate(); b.terminate() }
        let s = try Stack(existing: cluster, database: db, app: a, nginx: nginx)
        let client = s.http.from("127.0.0.8")
        for _ in 0..<6 { #expect(try client.post("login/", json: "{}").status == 400) }
        #expect(try client.post("login/", json: "{}").status == 429)
        #expect(try client.post("login/", json: "{}").status == 429)
        #expect(a.log().contains("route=login/") && b.log().contains("route=login/"), "both instances answered")
    }
}
