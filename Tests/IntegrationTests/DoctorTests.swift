import AuthKit
import CryptoCore
import Foundation
import PostgreSQL
import Testing
import TestSupport

/// `authkit doctor`'s checks against a real PostgreSQL and a real SMTP server.
@Suite struct DoctorTests {
    /// Real time shifted by `offset` seconds: a host whose clock is off.
    struct ShiftedClock: TimeSource {
        let offset: Int64
        func now() -> UnixTime { UnixTime(microseconds: SystemTime().now().microseconds + offset * 1_000_000) }
    }

    let cluster: PostgresCluster
    let database: String
    let sink: SMTPSink

    init() throws {
        cluster = try PostgresCluster.shared.get()
        database = try cluster.createDatabase()
        sink = try SMTPSink()
    }

    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ["AUTHKIT_DATABASE_URL": cluster.url(database), "AUTHKIT_SECRET_KEY": "q8Zr2LmX0vTfYb7NwKc4HsJd9PgUe1AoRi5VyQt3MnBlWz6Ex-Fh_Ik0Cj8Ds2Ga",
                   "AUTHKIT_EMAIL_URL": "smtp://127.0.0.1:\(sink.port)", "AUTHKIT_AUTH_COOKIE_SECURE": "true",
                   "AUTHKIT_SOCKET": NSTemporaryDirectory() + "authkit-doctor.sock", "AUTHKIT_WORKERS": "4",
                   "AUTHKIT_SECRET_ENCRYPTION_KEYS": "k1:\(String(repeating: "A", count: 43))="]
        for (k, v) in extra { env[k] = v }
        return env
    }

    func finding(_ findings: [Doctor.Finding], _ topic: String) -> Doctor.Finding? { findings.first { $0.topic == topic } }

    @Test func aHealthyInstancePassesEveryCheck() {
        defer { sink.stop() }
        let findings = Doctor(environment: environment()).run()
        #expect(findings.filter { $0.level != .ok }.map(\.description) == [])
        #expect(Set(findings.map(\.topic)) == ["configuration", "secret key", "database", "migrations", "connections", "encryption keys", "clock", "email"])
        #expect(finding(findings, "migrations")?.message == "all \(Migration.all.count) applied (schema version \(Migration.all.last!.version))")
        #expect(finding(findings, "email")?.message.hasPrefix("SMTP server smtp://127.0.0.1:\(sink.port) answered") == true)
        #expect(sink.mailbox.messages(to: "anyone").isEmpty, "nothing is sent")
    }

    @Test func problemsAreNamedInPlainWords() throws {
        let freePort = Paths.freePort()
        sink.stop()
        let fresh = try cluster.createDatabase(migrated: false)
        var findings = Doctor(environment: environment(["AUTHKIT_DATABASE_URL": cluster.url(fresh),
                                                        "AUTHKIT_EMAIL_URL": "smtp://127.0.0.1:\(freePort)",
                                                        "AUTHKIT_SECRET_KEY": "change-me-to-a-long-random-string-of-48-characters",
                                                        "AUTHKIT_PASSWORD_HASH_ITERATIONS": "1000", "AUTHKIT_AUTH_COOKIE_SECURE": "false",
                                                        "AUTHKIT_WORKRES": "8"])).run()
        #expect(finding(findings, "migrations")?.level == .failure)
        #expect(finding(findings, "migrations")?.message.contains("run `authkit migrate`") == true)
        #expect(finding(findings, "email")?.level == .failure)
        #expect(finding(findings, "secret key")?.level == .failure)
        #expect(finding(findings, "secret key")?.message.contains("placeholder") == true)
        #expect(finding(findings, "passwords")?.level == .warning)
        #expect(finding(findings, "cookies")?.level == .warning)
        #expect(findings.contains { $0.level == .warning && $0.message.hasPrefix("AUTHKIT_WORKRES is not a setting") })
        #expect(!findings.map(\.description).joined().contains("change-me"), "the secret itself is never printed")

        findings = Doctor(environment: environment(["AUTHKIT_SECRET_KEY": String(repeating: "ab", count: 20)])).run()
        #expect(finding(findings, "secret key")?.message.contains("only 2 distinct characters") == true)
        findings = Doctor(environment: environment(["AUTHKIT_SECRET_KEY": "0123456789abcdefghijklmnopqrstuvwxyzAB"])).run()
        #expect(finding(findings, "secret key")?.level == .warning)

        findings = Doctor(environment: environment(["AUTHKIT_WORKERS": "many"])).run()
        #expect(findings.map(\.level) == [.failure], "nothing else is checked without valid settings")
        #expect(findings.first?.message.contains("AUTHKIT_WORKERS") == true)

        findings = Doctor(environment: environment(["AUTHKIT_DATABASE_URL": "postgresql:///nope?host=/nonexistent&connect_timeout=1"])).run()
        #expect(finding(findings, "database")?.level == .failure)
        #expect(finding(findings, "database")?.message.hasPrefix("cannot connect (AUTHKIT_DATABASE_URL)") == true)
        #expect(finding(findings, "email") != nil, "SMTP is still checked")
    }

    @Test func clockSkewAgainstTheDatabaseServer() {
        defer { sink.stop() }
        #expect(finding(Doctor(environment: environment(), clock: ShiftedClock(offset: 5)).run(), "clock")?.level == .warning)
        let late = finding(Doctor(environment: environment(), clock: ShiftedClock(offset: -60)).run(), "clock")
        #expect(late?.level == .failure)
        // The server's time is compared with the midpoint of the query: a slow round trip
        // under load moves the estimate by up to half of it.
        let message = late?.message ?? ""
        let millis = message.split(separator: " ").dropFirst(4).first.flatMap { Int($0) }
        #expect(millis.map { abs($0 - 60_000) < 2_000 } == true && message.contains("ms behind"), "\(message)")
    }

    @Test func secretsThatNoConfiguredKeyOpens() throws {
        defer { sink.stop() }
        // Without AUTHKIT_SECRET_ENCRYPTION_KEYS the development key derived from SECRET_KEY is used: a failure.
        var unset = environment()
        unset["AUTHKIT_SECRET_ENCRYPTION_KEYS"] = nil
        let development = finding(Doctor(environment: unset).run(), "encryption keys")
        #expect(development?.level == .failure)
        #expect(development?.message.hasPrefix("AUTHKIT_SECRET_ENCRYPTION_KEYS is not set") == true)
        let hash = DjangoPassword.make("pw", iterations: 1000)
        _ = try cluster.psql("INSERT INTO users (id, username, email, password) VALUES (7, 'keyed', '', '\(hash)')", database: database)
        // Sealed under the key another AUTHKIT_SECRET_KEY derives.
        let otherSettings = try Settings.load(from: ["AUTHKIT_SECRET_KEY": TestKeys.secretKey], requireDatabase: false)
        let other = SecretBox(keys: otherSettings.security.encryptionKeys)
        let sealed = try other.seal("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", userID: 7, method: "app")
        _ = try cluster.psql("""
            INSERT INTO mfa_methods (user_id, name, secret, backup_salt, backup_scheme) VALUES (7, 'app', '\(sealed)', 's', 'hmac_sha256'),
                                                                                          (7, 'email', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 's', 'hmac_sha256')
            """, database: database)
        // The keys configured: k1, and the development key of this SECRET_KEY as k0.
        let derived = "k0:" + Base64.encode(SecretBox.derivedKey(environment()["AUTHKIT_SECRET_KEY"]!))
        let configured = environment(["AUTHKIT_SECRET_ENCRYPTION_KEYS": "k1:\(String(repeating: "A", count: 43))=,\(derived)"])
        let keys = finding(Doctor(environment: configured).run(), "encryption keys")
        #expect(keys?.level == .failure)
        #expect(keys?.message.hasPrefix("1 of 2 TOTP secret(s) cannot be decrypted") == true)
        _ = try cluster.psql("DELETE FROM mfa_methods WHERE name = 'app'", database: database)
        let legacy = finding(Doctor(environment: configured).run(), "encryption keys")
        #expect(legacy?.level == .warning)
        #expect(legacy?.message.contains("authkit secrets rotate") == true)
    }
}
