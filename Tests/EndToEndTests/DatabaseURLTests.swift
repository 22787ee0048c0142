import Foundation
import Testing
import TestSupport

/// A database URL that cannot work stops `serve` and `migrate` at once, naming the setting;
/// only an unreachable database is waited for (DatabaseOutageTests).
@Suite struct DatabaseURLTests {
    func cluster() throws -> PostgresCluster { try PostgresCluster.shared.get() }

    /// Runs `authkit serve` with `url`; returns its exit status (nil: still running after 20 s),
    /// its output and how long it ran.
    func serve(_ url: String) throws -> (status: Int32?, output: String, seconds: Double) {
        let started = Date()
        let app = try AppInstance(databaseURL: url, waitForSocket: false)
        let status = app.process.wait(seconds: 20)
        if status == nil { app.terminate() }
        return (status, app.log(), Date().timeIntervalSince(started))
    }

    func migrate(_ url: String) throws -> (status: Int32, output: String) {
        try Shell.run(Paths.binary, ["migrate"], environment: ["PATH": "/usr/bin:/bin", "AUTHKIT_DATABASE_URL": url],
                      allowFailure: true)
    }

    func expectRefused(_ url: String, saying problem: String, at location: SourceLocation = #_sourceLocation) throws {
        let served = try serve(url)
        #expect(served.status != nil && served.status != 0, "serve: \(served.output)", sourceLocation: location)
        #expect(served.output.contains("AUTHKIT_DATABASE_URL"), "serve: \(served.output)", sourceLocation: location)
        #expect(served.output.contains(problem), "serve: \(served.output)", sourceLocation: location)
        #expect(served.seconds < 15, "serve ran \(served.seconds) s", sourceLocation: location)
        let migrated = try migrate(url)
        #expect(migrated.status != 0, "migrate: \(migrated.output)", sourceLocation: location)
        #expect(migrated.output.contains("AUTHKIT_DATABASE_URL"), "migrate: \(migrated.output)",
                sourceLocation: location)
        #expect(migrated.output.contains(problem), "migrate: \(migrated.output)", sourceLocation: location)
    }

    @Test func anUnparseableURLStopsTheStart() throws {
        try expectRefused("notaurl://x", saying: "is not a libpq URI or key=value string")
        try expectRefused("host=localhost dbname", saying: "is not a libpq URI or key=value string")
    }

    @Test func aURLThatNamesNoDatabaseStopsTheStart() throws {
        try expectRefused("postgresql://localhost", saying: "names no database")
        try expectRefused("host=/tmp user=postgres", saying: "names no database")
    }

    @Test func aDatabaseThatDoesNotExistStopsTheStart() throws {
        try expectRefused(cluster().url("no_such_database_here"), saying: "has no such database")
    }

    @Test func aRoleThatDoesNotExistStopsTheStart() throws {
        let pg = try cluster()
        let url = "postgresql:///postgres?host=\(pg.socketDirectory)&port=5432&user=no_such_role_here"
        try expectRefused(url, saying: "refuses to authenticate this user")
    }

    /// The test clusters trust local users; this role alone must give a password.
    @Test func aWrongOrMissingPasswordStopsTheStart() throws {
        let pg = try cluster()
        let role = "authkit_pw_\(getpid())"
        try pg.requirePassword(role: role, password: "right-password")
        let base = "postgresql:///postgres?host=\(pg.socketDirectory)&port=5432&user=\(role)"
        try expectRefused(base + "&password=wrong-password", saying: "refuses to authenticate this user")
        try expectRefused(base, saying: "refuses to authenticate this user")
    }

    @Test func doctorReportsAnUnparseableURLAsAConfigurationError() throws {
        let stack = try Stack()
        defer { stack.stop() }
        var env = stack.app.environment
        env["AUTHKIT_DATABASE_URL"] = "notaurl://x"
        let broken = try Shell.run(Paths.binary, ["doctor"], environment: env, allowFailure: true)
        #expect(broken.status == 1)
        #expect(broken.output.contains("FAIL  configuration: invalid setting AUTHKIT_DATABASE_URL: is not a libpq URI"),
                "\(broken.output)")
        #expect(!broken.output.contains("every value is valid"))
    }
}
