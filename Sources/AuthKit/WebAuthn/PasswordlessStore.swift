import PostgreSQL

/// SQL for passwordless sign-in: the users an address or a key belongs to, and the atomic use of
/// an email sign-in token.
struct PasswordlessStore {
    let connection: PGConnection

    init(_ connection: PGConnection) { self.connection = connection }

    static let byEmail = PGStatement("passwordless_by_email", """
        SELECT \(UserStore.columns), passwordless_epoch FROM users
        WHERE lower(email) = lower($1) AND email <> '' AND is_active ORDER BY id LIMIT 1
        """)
    static let byID = PGStatement("passwordless_by_id", """
        SELECT \(UserStore.columns), passwordless_epoch, password FROM users WHERE id = $1
        """)
    /// Uses a token: only while the epoch it was signed over is current.
    static let consume = PGStatement("passwordless_consume", """
        UPDATE users SET passwordless_epoch = passwordless_epoch + 1 WHERE id = $1 AND passwordless_epoch = $2
        RETURNING id
        """)
    static let keysOfEmail = PGStatement("passwordless_keys_of_email", """
        SELECT c.credential_id, array_to_string(c.transports, ',') FROM webauthn_credentials c
        JOIN users u ON u.id = c.user_id
        WHERE lower(u.email) = lower($1) AND u.email <> '' AND u.is_active
        ORDER BY c.created_at DESC, c.id DESC LIMIT 50
        """)

    /// The active user an address belongs to (the lowest id when several share it) and its epoch.
    func user(email: String) throws -> (User, Int64)? {
        let r = try connection.execute(Self.byEmail, [email])
        guard r.rowCount == 1 else { return nil }
        return (try UserStore.user(r, 0), Int64(try r.requiredInt(0, UserStore.columnCount)))
    }

    /// A user, its epoch and its password hash.
    func user(id: Int64) throws -> (User, Int64, String)? {
        let r = try connection.execute(Self.byID, [id])
        guard r.rowCount == 1 else { return nil }
        return (try UserStore.user(r, 0), Int64(try r.requiredInt(0, UserStore.columnCount)),
                try r.required(0, UserStore.columnCount + 1))
    }

    func consume(userID: Int64, epoch: Int64) throws -> Bool {
        try connection.execute(Self.consume, [userID, epoch]).rowCount == 1
    }

    /// Descriptors of the keys of the active user(s) with `email`, newest first.
    func keys(email: String) throws -> [(credentialID: [UInt8], transports: [String])] {
        let r = try connection.execute(Self.keysOfEmail, [email])
        return try (0..<r.rowCount).map { i in
            (r.bytes(i, 0) ?? [], (try r.required(i, 1)).split(separator: ",").map(String.init))
        }
    }
}
