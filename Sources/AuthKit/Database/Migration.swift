import CryptoCore

/// One plain-SQL migration file, embedded in the binary.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    /// SHA-256 of the file: an applied migration whose file changed is refused.
    public var checksum: String { Hex.encode(Digest.hash(.sha256, Array(sql.utf8))) }

    /// `file` is the file name (`0002_users.sql`); `bytes` its embedded content.
    init(file: String, bytes: [UInt8]) {
        let stem = file.hasSuffix(".sql") ? String(file.dropLast(4)) : file
        let parts = stem.split(separator: "_", maxSplits: 1)
        version = Int(parts[0])!
        name = parts.count > 1 ? String(parts[1]) : ""
        sql = String(decoding: bytes, as: UTF8.self)
    }

    /// A migration built in code (tests of the migrator itself).
    public static func testing(version: Int, name: String, sql: String) -> Migration {
        Migration(file: String(format4(version)) + "_" + name + ".sql", bytes: Array(sql.utf8))
    }

    /// Every migration, in order. A unit test checks this list against the files in
    /// Sources/AuthKit/Migrations, so a new file cannot be forgotten here.
    public static let all: [Migration] = [
        Migration(file: "0001_schema_migrations.sql", bytes: PackageResources._001_schema_migrations_sql),
        Migration(file: "0002_users.sql", bytes: PackageResources._002_users_sql),
        Migration(file: "0003_mfa.sql", bytes: PackageResources._003_mfa_sql),
        Migration(file: "0004_email_outbox.sql", bytes: PackageResources._004_email_outbox_sql),
        Migration(file: "0005_security.sql", bytes: PackageResources._005_security_sql),
        Migration(file: "0006_dba.sql", bytes: PackageResources._006_dba_sql),
        Migration(file: "0007_events.sql", bytes: PackageResources._007_events_sql),
        Migration(file: "0008_mfa_core_v2.sql", bytes: PackageResources._008_mfa_core_v2_sql),
        Migration(file: "0009_abuse_resistance.sql", bytes: PackageResources._009_abuse_resistance_sql),
        Migration(file: "0010_account_lifecycle.sql", bytes: PackageResources._010_account_lifecycle_sql),
        Migration(file: "0011_email_confirmation.sql", bytes: PackageResources._011_email_confirmation_sql),
        Migration(file: "0012_webauthn.sql", bytes: PackageResources._012_webauthn_sql),
        Migration(file: "0013_outbox_lease.sql", bytes: PackageResources._013_outbox_lease_sql),
    ]
}

private func format4(_ n: Int) -> String {
    let s = String(n)
    return String(repeating: "0", count: max(0, 4 - s.count)) + s
}
