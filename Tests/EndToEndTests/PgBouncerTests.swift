import AuthKit
import Foundation
import Synchronization
import Testing
import TestSupport

/// Everything through a real PgBouncer in transaction mode (Debian's `pgbouncer`), as
/// docs/scaling.md advises for many instances: `authkit migrate` (several at once: its lock must
/// hold although consecutive transactions land on different server connections), then two
/// instances without prepared statements behind one nginx upstream, their outbox senders
/// included. PgBouncer 1.18 (Debian 12) has no `max_prepared_statements`: the app's setting
/// AUTHKIT_DATABASE_PREPARED_STATEMENTS=false is what makes it work.
@Suite struct PgBouncerTests {
    @Test func migrateAndTwoInstancesThroughTransactionPooling() throws {
        let cluster = try PostgresCluster.shared.get()
        let db = try cluster.createDatabase(migrated: false)
        // Two server connections for everything: clients take turns on them, transaction by transaction.
        let bouncer = try PgBouncer(cluster: cluster, poolSize: 2)
        defer { bouncer.stop() }
        // No prepared statements and no `options` start-up parameter (PgBouncer 1.18 refuses it):
        // the settings docs/scaling.md names for transaction pooling.
        let pooled = ["AUTHKIT_DATABASE_PREPARED_STATEMENTS": "false", "AUTHKIT_DATABASE_SESSION_OPTIONS": "false"]
        let env = pooled.merging(["AUTHKIT_DATABASE_URL": bouncer.url(db), "AUTHKIT_LOG_LEVEL": "warning",
                                  "PATH": "/usr/bin:/bin"]) { $1 }

        // Three migrations at once through the bouncer: each file applied once, none waits forever.
        let dir = try Paths.temporaryDirectory("authkit-migrate")
        let children = try (0..<3).map { i in
            try Subprocess(Paths.binary, ["migrate"], environment: env, output: .file("\(dir)/out\(i)"))
        }
        let statuses = children.map { $0.wait(seconds: 60) }
        let outputs = (0..<3).map { (try? String(contentsOfFile: "\(dir)/out\($0)", encoding: .utf8)) ?? "" }
        #expect(statuses == [0, 0, 0], "\(outputs)")
        #expect(try cluster.psql("SELECT count(*) FROM schema_migrations", database: db) == String(Migration.all.count))
        #expect(try cluster.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == "0",
                "no lock left behind")
        let again = try Shell.run(Paths.binary, ["migrate"], environment: env)
        #expect(again.output.contains("database is up to date"), "\(again.output)")

        let settings = pooled.merging(["AUTHKIT_MFA_TOTP_DEFAULT_VALID_WINDOW": "1"]) { $1 }
        let a = try AppInstance(databaseURL: bouncer.url(db), settings: settings)
        let port = Paths.freePort()
        // Both senders deliver into one folder, so a duplicate delivery would show.
        let b = try AppInstance(databaseURL: bouncer.url(db),
                                settings: settings.merging(["AUTHKIT_EMAIL_FILE_DIR": a.mailDirectory]) { $1 },
                                arguments: ["--bind", "127.0.0.1:\(port)"], waitForSocket: false)
        #expect(Paths.waitFor(seconds: 20) { (try? FastCGIClient(tcpPort: port)) != nil })
        let nginx = try NginxInstance(upstream: "server unix:\(a.socketPath); server 127.0.0.1:\(port);")
        defer { nginx.stop(); a.terminate(); b.terminate() }
        let s = try Stack(existing: cluster, database: db, app: a, nginx: nginx)

        let u = try Enrollment.app(s, "bouncer")
        try u.addEmail("bouncer")
        for code in [u.phone.nextCode(), u.backupCodes[0], u.backupCodes[1]] {
            #expect(try FailoverTests.verify(s, "bouncer", code)?.status == 200)
        }
        // One backup code sent four times at once through both instances: exactly one success (more
        // at once would meet the slow-hash queue's 503, which MultiInstanceTests leaves alone too).
        let tokens = try (0..<4).map { _ in try #require(try s.login("bouncer").string("ephemeral_token")) }
        let answers = Mutex<[Int]>([])
        Concurrently.run(4) { i in
            let body = #"{"ephemeral_token": "\#(tokens[i])", "code": "\#(u.backupCodes[2])"}"#
            let status = (try? s.post("login/verify/", body))?.status ?? -1
            answers.withLock { $0.append(status) }
        }
        #expect(answers.withLock { $0.sorted() } == [200, 400, 400, 400])

        // Code emails through the outbox: two senders, each email delivered once.
        for _ in 0..<3 { #expect(try s.post("mfa/send/", #"{"method": "email"}"#, token: u.token).status == 200) }
        #expect(Paths.waitFor(seconds: 15) {
            (try? s.psql("SELECT count(*) FROM email_outbox WHERE status = 'pending'")) == "0"
        })
        let queued = Int(try s.psql("SELECT count(*) FROM email_outbox"))!
        #expect(queued == 4)
        #expect(s.mailbox.settledCount(to: "bouncer@example.com") == queued)
        #expect(try s.psql("SELECT count(*) FROM mfa_events WHERE event = 'backup_code_used'") == "3")

        // It all went through the bouncer, in transaction mode, on its two server connections.
        let config = try bouncer.admin("SHOW CONFIG")
        #expect(config.split(separator: "\n").contains { $0.hasPrefix("pool_mode|transaction|") }, "\(config)")
        let stats = try bouncer.admin("SHOW STATS").split(separator: "\n").first { $0.hasPrefix("\(db)|") }
        let transactions = stats.flatMap { Int($0.split(separator: "|")[1]) } ?? 0
        #expect(transactions > 50, "\(stats ?? "no stats for \(db)")")
        #expect(Int(try cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = '\(db)'")) ?? 99 <= 2)
        #expect(a.log().contains("route=login/verify/") && b.log().contains("route=login/verify/"))
        #expect(!a.log().contains("level=error") && !b.log().contains("level=error"))
        #expect(!bouncer.log().contains("ERROR"), "\(bouncer.log().suffix(2000))")
    }
}
