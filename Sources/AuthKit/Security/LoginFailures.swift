import CryptoCore
import PostgreSQL

/// Password attempts per login name, reserved atomically and shared by every instance. Kept for names that
/// match no account too, so a 429 never tells whether an account exists.
public struct LoginFailures {
    let connection: PGConnection

    public init(_ connection: PGConnection) { self.connection = connection }

    static let blocked = PGStatement("login_failures_blocked",
        "SELECT ceil(extract(epoch FROM blocked_until))::bigint FROM login_failures WHERE username_key = $1 AND blocked_until > to_timestamp($2)")
    /// Reserves one password attempt before the hash is computed: refused inside a delay. From
    /// the `threshold`-th attempt on, each reservation starts the next delay, so concurrent
    /// guesses get at most `threshold` hashes, then one per delay; a right password deletes
    /// the row (`clear`).
    static let reserve = PGStatement("login_failures_reserve", """
        INSERT INTO login_failures AS f (username_key, failures, blocked_until, last_failure_at)
        VALUES ($1, 1, CASE WHEN 1 >= $2 THEN to_timestamp($4) + interval '1 second' END, to_timestamp($4))
        ON CONFLICT (username_key) DO UPDATE SET
            failures = f.failures + 1,
            blocked_until = CASE WHEN f.failures + 1 >= $2
                THEN to_timestamp($4) + least(power(2, least(f.failures + 1 - $2, 30)), $3) * interval '1 second'
                ELSE f.blocked_until END,
            last_failure_at = to_timestamp($4)
        WHERE f.blocked_until IS NULL OR f.blocked_until <= to_timestamp($4)
        RETURNING failures
        """)
    static let clear = PGStatement("login_failures_clear", "DELETE FROM login_failures WHERE username_key = $1")
    static let purge = PGStatement("login_failures_purge", Purge.sql(
        "login_failures",
        where: "last_failure_at < to_timestamp($1) AND (blocked_until IS NULL OR blocked_until < to_timestamp($1))",
        limitParameter: 2))

    /// The time until which `username` may not try a password, if it is blocked now.
    public func blockedUntil(_ username: String, now: Int64) throws -> Int64? {
        try connection.execute(Self.blocked, [username, now]).int(0, 0).map(Int64.init)
    }

    /// The failure budget of an attempt on `username`: the device's own, or the one shared by
    /// every client without a device cookie for the name. A digest, so any length of name makes
    /// a key of the same size.
    public static func key(username: String, lane: AttemptLane) -> String {
        if let device = lane.deviceID { return "device:" + device }
        return "name:" + Hex.encode(Digest.hash(.sha256, Array(username.utf8)))
    }

    /// True when an attempt was reserved; false inside a delay (see `blockedUntil`).
    public func reserve(_ username: String, now: Int64, limits: SecuritySettings) throws -> Bool {
        try connection.execute(
            Self.reserve, [username, limits.passwordFailuresBeforeDelay, limits.passwordMaxDelay, now]
        ).rowCount == 1
    }

    public func clear(_ username: String) throws {
        try connection.execute(Self.clear, [username])
    }

    @discardableResult
    public func purge(before: Int64, limit: Int) throws -> Int {
        try connection.execute(Self.purge, [before, limit]).affectedRows
    }
}
