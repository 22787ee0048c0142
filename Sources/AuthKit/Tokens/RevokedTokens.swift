import PostgreSQL

/// Revoked refresh tokens (logout, rotation), shared by every instance through PostgreSQL.
public struct RevokedTokens {
    let connection: PGConnection

    public init(_ connection: PGConnection) { self.connection = connection }

    static let insert = PGStatement("revoked_insert", """
        INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES ($1, $2, to_timestamp($3))
        ON CONFLICT (jti) DO NOTHING RETURNING jti
        """)
    static let lookup = PGStatement("revoked_lookup", "SELECT 1 FROM revoked_tokens WHERE jti = $1")
    static let purge = PGStatement("revoked_purge", Purge.sql(
        "revoked_tokens", where: "expires_at < to_timestamp($1)", limitParameter: 2))

    /// Revokes `jti`; false when it was already revoked. Atomic: of two concurrent calls with
    /// the same jti exactly one gets true (this makes rotated refresh tokens single-use).
    public func revoke(jti: String, userID: Int64, expiresAt: Int64) throws -> Bool {
        try connection.execute(Self.insert, [jti, userID, expiresAt]).rowCount == 1
    }

    public func isRevoked(jti: String) throws -> Bool {
        try connection.execute(Self.lookup, [jti]).rowCount > 0
    }

    /// Deletes rows of tokens that have expired anyway; returns how many.
    @discardableResult
    public func purgeExpired(now: Int64, limit: Int) throws -> Int {
        try connection.execute(Self.purge, [now, limit]).affectedRows
    }
}
