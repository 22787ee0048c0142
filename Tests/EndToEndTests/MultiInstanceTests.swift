import AuthKit
import Foundation
import Synchronization
import Testing
import TestSupport

/// Two instances against one database behind one nginx upstream (nginx/upstream.example.conf):
/// one on a unix socket, one on TCP without prepared statements (as behind PgBouncer in
/// transaction mode). Any instance answers any step; state lives only in PostgreSQL.
@Suite struct MultiInstanceTests {
    @Test func aFullFlowAcrossTwoInstancesBehindOneUpstream() throws {
        let cluster = try PostgresCluster.shared.get()
        let db = try cluster.createDatabase()
        let settings = ["AUTHKIT_MFA_TOTP_DEFAULT_VALID_WINDOW": "1"]
        let a = try AppInstance(databaseURL: cluster.url(db), settings: settings)
        let port = Paths.freePort()
        // Both senders deliver into one folder, so a duplicate delivery would show.
        let b = try AppInstance(databaseURL: cluster.url(db),
                                settings: settings.merging(["AUTHKIT_DATABASE_PREPARED_STATEMENTS": "false",
                                                            "AUTHKIT_EMAIL_FILE_DIR": a.mailDirectory]) { $1 },
                                arguments: ["--bind", "127.0.0.1:\(port)"], waitForSocket: false)
        #expect(Paths.waitFor(seconds: 20) { (try? FastCGIClient(tcpPort: port)) != nil })
        let nginx = try NginxInstance(upstream: "server unix:\(a.socketPath); server 127.0.0.1:\(port);")
        defer { nginx.stop(); a.terminate(); b.terminate() }
        let s = try Stack(existing: cluster, database: db, app: a, nginx: nginx)

        let u = try Enrollment.app(s, "traveller")
        try u.addEmail("traveller")
        // Round robin alternates instances: each step of each login may land on either.
        var token = try #require(try s.login("traveller").string("ephemeral_token"))
        #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(u.phone.nextCode())"}"#).status == 200)
        for i in [0, 1, 3] {
            token = try #require(try s.login("traveller").string("ephemeral_token"))
            #expect(try s.post("login/verify/", #"{"ephemeral_token": "\#(token)", "code": "\#(u.backupCodes[i])"}"#).status == 200)
        }
        // A backup code used concurrently through both instances: exactly one success.
        let tokens = try (0..<4).map { _ in try #require(try s.login("traveller").string("ephemeral_token")) }
        let statuses = Mutex<[Int]>([])
        Concurrently.run(4) { i in
            let status = (try? s.post("login/verify/", #"{"ephemeral_token": "\#(tokens[i])", "code": "\#(u.backupCodes[2])"}"#))?.status ?? -1
            statuses.withLock { $0.append(status) }
        }
        #expect(statuses.withLock { $0.sorted() } == [200, 400, 400, 400])

        // Code emails: several requests, two sender threads, each email delivered once.
        for _ in 0..<3 { #expect(try s.post("mfa/send/", #"{"method": "email"}"#, token: u.token).status == 200) }
        #expect(Paths.waitFor(seconds: 15) { (try? s.psql("SELECT count(*) FROM email_outbox WHERE status = 'pending'")) == "0" })
        let queued = Int(try s.psql("SELECT count(*) FROM email_outbox"))!
        #expect(queued == 4)
        #expect(s.mailbox.settledCount(to: "traveller@example.com") == queued)

        // Both instances served, both wrote to the one audit trail.
        #expect(a.log().contains("route=login/verify/") && b.log().contains("route=login/verify/"))
        #expect(try s.psql("SELECT count(*) FROM mfa_events WHERE event = 'login_verified'") == "5")
        #expect(try s.psql("SELECT count(*) FROM mfa_events WHERE event = 'backup_code_used'") == "4")
        #expect(!a.log().contains("level=error") && !b.log().contains("level=error"))
    }
}

/// Passkey challenges live in PostgreSQL: issued by one instance, answered at another, and an
/// answer sent to both at once is accepted once.
@Suite struct MultiInstancePasskeyTests {
    @Test func challengesAndAnswersCrossInstances() throws {
        let cluster = try PostgresCluster.shared.get()
        let db = try cluster.createDatabase()
        let settings = PasskeyTests.settings
        let a = try AppInstance(databaseURL: cluster.url(db), settings: settings)
        let port = Paths.freePort()
        let b = try AppInstance(databaseURL: cluster.url(db),
                                settings: settings.merging(["AUTHKIT_DATABASE_PREPARED_STATEMENTS": "false"]) { $1 },
                                arguments: ["--bind", "127.0.0.1:\(port)"], waitForSocket: false)
        #expect(Paths.waitFor(seconds: 20) { (try? FastCGIClient(tcpPort: port)) != nil })
        let nginx = try NginxInstance(upstream: "server unix:\(a.socketPath); server 127.0.0.1:\(port);")
        defer { nginx.stop(); a.terminate(); b.terminate() }
        let s = try Stack(existing: cluster, database: db, app: a, nginx: nginx)

        // Round robin: options and answers alternate between the instances.
        let (_, key, _) = try PasskeyTests.enrol(s, "wa_roamer")
        for _ in 0..<3 {
            let (token, options) = try PasskeyTests.challenge(s, "wa_roamer")
            #expect(try PasskeyTests.verify(s, token, try key.get(options.text, embedSessionID: true)).status == 200)
        }
        // One answer sent four times at once, through both instances: one session.
        let (_, options) = try PasskeyTests.challenge(s, "wa_roamer")
        let answer = try key.get(options.text, embedSessionID: true)
        let tokens = try (0..<4).map { _ in try #require(try s.login("wa_roamer").string("ephemeral_token")) }
        let statuses = Mutex<[Int]>([])
        Concurrently.run(4) { i in
            let status = (try? PasskeyTests.verify(s, tokens[i], answer))?.status ?? -1
            statuses.withLock { $0.append(status) }
        }
        #expect(statuses.withLock { $0.sorted() } == [200, 400, 400, 400])
        #expect(a.log().contains("route=login/verify/") && b.log().contains("route=login/verify/"))
        #expect(!a.log().contains("level=error") && !b.log().contains("level=error"))
    }
}
