import PostgreSQL

/// SQL for the `users` table. Every statement is parameterised and prepared once per connection;
/// changes are single statements (no read-modify-write).
public struct UserStore {
    let connection: PGConnection

    public init(_ connection: PGConnection) { self.connection = connection }

    static let columns = """
        id, username, email, first_name, last_name, is_active, (extract(epoch FROM last_login) * 1000000)::bigint,
        floor(extract(epoch FROM sessions_revoked_at))::bigint
        """
    /// How many columns `columns` has: what follows them starts here.
    static let columnCount = 8

    static let byID = PGStatement("users_by_id", "SELECT \(columns) FROM users WHERE id = $1")
    /// The account and a compact summary of its methods (`name/pa,...`), in one round trip.
    static let byIDWithMethods = PGStatement("users_by_id_with_methods", """
        SELECT \(columns), coalesce((SELECT string_agg(m.name || '/' || CASE WHEN m.is_primary THEN 'p' ELSE '' END
                                                  || CASE WHEN m.is_active THEN 'a' ELSE '' END, ',' ORDER BY m.id)
                                       FROM mfa_methods m WHERE m.user_id = users.id), '')
        FROM users WHERE id = $1
        """)
    static let byUsername = PGStatement("users_by_username", "SELECT \(columns), password FROM users WHERE username = $1")
    static let byIDWithHash = PGStatement("users_by_id_with_hash", "SELECT \(columns), password FROM users WHERE id = $1")
    /// password/reset/'s lookup: active accounts with this address in any case (as allauth's
    /// lookup), a handful at most.
    static let activeByEmail = PGStatement("users_active_by_email", """
        SELECT \(columns), password FROM users
        WHERE lower(email) = lower($1) AND email <> '' AND is_active ORDER BY id LIMIT 5
        """)
    /// A new password ends every session issued before `$3` (unix seconds, the app's clock).
    /// With `$4`, only while the hash is still `$4`: of two confirms racing with one reset
    /// token, one wins.
    static let changePassword = PGStatement("users_change_password", """
        UPDATE users SET password = $2,
               sessions_revoked_at = greatest(coalesce(sessions_revoked_at, to_timestamp($3)), to_timestamp($3))
        WHERE id = $1 AND ($4::text IS NULL OR password = $4)
        """)
    static let recordLogin = PGStatement("users_record_login",
        "UPDATE users SET last_login = 'epoch'::timestamptz + $2 * interval '1 microsecond' WHERE id = $1")
    static let setHash = PGStatement("users_set_hash", "UPDATE users SET password = $2 WHERE id = $1")
    /// Voids the user's device cookies (and sessions) issued before now.
    static let revokeSessions = PGStatement("users_revoke_sessions",
        "UPDATE users SET sessions_revoked_at = greatest(coalesce(sessions_revoked_at, to_timestamp($2)), to_timestamp($2)) WHERE id = $1")
    /// A new username must not match another account's case-insensitively (as drf-auth-kit's
    /// user serializer checks); keeping one's own exact username is always allowed.
    static let updateProfile = PGStatement("users_update_profile", """
        UPDATE users u SET username = coalesce($2, u.username), first_name = coalesce($3, u.first_name),
                           last_name = coalesce($4, u.last_name)
        WHERE u.id = $1
          AND ($2::text IS NULL OR $2 = u.username
               OR NOT EXISTS (SELECT 1 FROM users o WHERE lower(o.username) = lower($2)))
        RETURNING \(columns)
        """)

    /// registration/'s uniqueness checks: usernames and addresses both compared case-insensitively.
    static let registrationConflicts = PGStatement("users_registration_conflicts", """
        SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1)),
               EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($2) AND email <> '')
        """)
    /// A new account, only while neither check above has become true meanwhile: one statement,
    /// so a second sign-up racing with the same name or address gets the ordinary 400.
    static let register = PGStatement("users_register", """
        INSERT INTO users (username, email, password, first_name, last_name)
        SELECT $1, $2, $3, $4, $5
        WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1))
          AND NOT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($2) AND email <> '')
        RETURNING id
        """)
    /// Confirms the address once: a second confirmation changes nothing (and is told so).
    static let verifyEmail = PGStatement("users_verify_email",
        "UPDATE users SET email_verified_at = now() WHERE id = $1 AND email_verified_at IS NULL AND email <> ''")
    /// registration/resend-email/'s lookup: exactly this address (case-sensitive, as allauth's),
    /// unconfirmed, whatever the account's state, a handful at most.
    static let unverifiedByEmail = PGStatement("users_unverified_by_email", """
        SELECT \(columns) FROM users WHERE email = $1 AND email_verified_at IS NULL ORDER BY id LIMIT 5
        """)

    public func find(id: Int64) throws -> User? {
        let r = try connection.execute(Self.byID, [id])
        return r.rowCount == 0 ? nil : try Self.user(r, 0)
    }

    /// The account with its method summary (authentication of protected routes).
    public func findWithMethods(id: Int64) throws -> User? {
        let r = try connection.execute(Self.byIDWithMethods, [id])
        guard r.rowCount > 0 else { return nil }
        var user = try Self.user(r, 0)
        user.methods = (r.string(0, Self.columnCount) ?? "").split(separator: ",").compactMap { item in
            guard let slash = item.lastIndex(of: "/") else { return nil }
            let flags = item[item.index(after: slash)...]
            return User.MethodSummary(name: String(item[..<slash]), isPrimary: flags.contains("p"), isActive: flags.contains("a"))
        }
        return user
    }

    /// The account and its password hash, for the login check.
    public func findForLogin(username: String) throws -> (User, String)? {
        let r = try connection.execute(Self.byUsername, [username])
        guard r.rowCount > 0 else { return nil }
        return (try Self.user(r, 0), try r.required(0, Self.columnCount))
    }

    /// The account and its password hash, by id.
    public func findWithHash(id: Int64) throws -> (User, String)? {
        let r = try connection.execute(Self.byIDWithHash, [id])
        guard r.rowCount > 0 else { return nil }
        return (try Self.user(r, 0), try r.required(0, Self.columnCount))
    }

    /// Active accounts whose address is `email` in any letter case, with their password hashes.
    public func findActive(email: String) throws -> [(User, String)] {
        let r = try connection.execute(Self.activeByEmail, [email])
        return try (0..<r.rowCount).map { (try Self.user(r, $0), try r.required($0, Self.columnCount)) }
    }

    /// Stores a new password hash and revokes the user's sessions issued before `now` (unix
    /// seconds); with `expectedHash`, only if the stored hash is still that one. Returns whether
    /// the row changed.
    @discardableResult
    public func changePassword(id: Int64, hash: String, now: Int64, expectedHash: String? = nil) throws -> Bool {
        try connection.execute(Self.changePassword, [id, hash, now, expectedHash]).affectedRows == 1
    }

    public func recordLogin(id: Int64, at time: UnixTime) throws {
        try connection.execute(Self.recordLogin, [id, time.microseconds])
    }

    /// Sessions (tokens) and device cookies issued before `now` (unix seconds, the app's clock
    /// that also dates tokens) stop counting.
    public func revokeSessions(id: Int64, now: Int64) throws {
        try connection.execute(Self.revokeSessions, [id, now])
    }

    public func setPasswordHash(id: Int64, hash: String) throws {
        try connection.execute(Self.setHash, [id, hash])
    }

    /// Whether a username and an address are taken, each in any letter case.
    public func registrationConflicts(username: String, email: String) throws -> (username: Bool, email: Bool) {
        let r = try connection.execute(Self.registrationConflicts, [username, email])
        return (r.bool(0, 0) ?? false, r.bool(0, 1) ?? false)
    }

    /// Creates an account with an unconfirmed address; nil when the username or the address was
    /// taken in the meantime.
    public func register(username: String, email: String, passwordHash: String, firstName: String,
                         lastName: String) throws -> Int64? {
        do {
            let r = try connection.execute(Self.register, [username, email, passwordHash, firstName, lastName])
            return r.rowCount == 0 ? nil : Int64(try r.requiredInt(0, 0))
        } catch where error.isUniqueViolation {
            return nil
        }
    }

    /// Marks the user's address confirmed; false when there is no such user or it already was.
    public func verifyEmail(id: Int64) throws -> Bool {
        try connection.execute(Self.verifyEmail, [id]).affectedRows == 1
    }

    /// Accounts whose unconfirmed address is exactly `email`.
    public func findUnverified(email: String) throws -> [User] {
        let r = try connection.execute(Self.unverifiedByEmail, [email])
        return try (0..<r.rowCount).map { try Self.user(r, $0) }
    }

    public enum ProfileUpdate { case updated(User), usernameTaken }

    /// Updates the given fields (nil leaves a field as it is).
    public func updateProfile(id: Int64, username: String?, firstName: String?, lastName: String?) throws -> ProfileUpdate {
        do {
            let r = try connection.execute(Self.updateProfile, [id, username, firstName, lastName])
            return r.rowCount == 0 ? .usernameTaken : .updated(try Self.user(r, 0))
        } catch let error as PGError where error.isUniqueViolation {
            return .usernameTaken
        }
    }

    // MARK: - Administration (CLI)

    public enum CreateFailure: Error { case duplicateUsername }

    public func create(username: String, email: String, passwordHash: String, firstName: String, lastName: String) throws -> Int64 {
        do {
            let r = try connection.query(
                "INSERT INTO users (username, email, password, first_name, last_name) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                [username, email, passwordHash, firstName, lastName])
            return Int64(try r.requiredInt(0, 0))
        } catch where error.isUniqueViolation {
            throw CreateFailure.duplicateUsername
        }
    }

    /// Returns false when there is no such user. The user's device cookies issued before now
    /// are void from then on (a new password ends what the old one established).
    public func setPassword(username: String, hash: String) throws -> Bool {
        try connection.query("""
            UPDATE users SET password = $2, sessions_revoked_at = greatest(coalesce(sessions_revoked_at, now()), now())
            WHERE username = $1
            """, [username, hash]).affectedRows == 1
    }

    /// Deactivating also revokes the user's sessions: reactivating never revives old tokens.
    public func setActive(username: String, _ active: Bool) throws -> Bool {
        try connection.query("""
            UPDATE users SET is_active = $2,
                   sessions_revoked_at = CASE WHEN $2 THEN sessions_revoked_at ELSE now() END
            WHERE username = $1
            """, [username, active]).affectedRows == 1
    }

    public func list() throws -> [User] {
        let r = try connection.query("SELECT \(Self.columns) FROM users ORDER BY id")
        return try (0..<r.rowCount).map { try Self.user(r, $0) }
    }

    static func user(_ r: PGResult, _ row: Int) throws -> User {
        User(id: Int64(try r.requiredInt(row, 0)), username: try r.required(row, 1), email: try r.required(row, 2),
             firstName: try r.required(row, 3), lastName: try r.required(row, 4), isActive: r.bool(row, 5) ?? false,
             lastLoginMicros: r.int(row, 6).map(Int64.init), sessionsRevokedAt: r.int(row, 7).map(Int64.init))
    }
}
