import CryptoCore
import PostgreSQL

/// SQL for `webauthn_credentials` and `webauthn_challenges`. A challenge is taken by one
/// `DELETE … RETURNING`, so it is answered at most once whichever instance the answer reaches;
/// times come from the caller's clock.
public struct WebAuthnStore {
    let connection: PGConnection

    public init(_ connection: PGConnection) { self.connection = connection }

    /// What a challenge is for (`webauthn_challenges.purpose`).
    public enum Purpose: String, Sendable {
        /// One slot per user: POST mfa/ and webauthn/credentials/register_options/.
        case registration
        /// login/challenge/ and mfa/challenge/: for one user's code checks only.
        case authentication
        /// passwordless/webauthn/initiate/: for passwordless/webauthn/verify/ only.
        case passwordless
    }

    /// A taken challenge: what it was for, whom, the bytes, and whether it was still valid.
    public struct Taken: Sendable {
        public let purpose: Purpose
        public let userID: Int64?
        public let challenge: [UInt8]
        public let valid: Bool
    }

    static let issueRegistration = PGStatement("webauthn_issue_registration", """
        INSERT INTO webauthn_challenges (purpose, user_id, challenge, expires_at)
        VALUES ('registration', $1, $2::bytea, to_timestamp($3::bigint))
        ON CONFLICT (user_id) WHERE purpose = 'registration'
        DO UPDATE SET challenge = EXCLUDED.challenge, expires_at = EXCLUDED.expires_at
        """)
    static let takeRegistration = PGStatement("webauthn_take_registration", """
        DELETE FROM webauthn_challenges WHERE purpose = 'registration' AND user_id = $1
        RETURNING purpose, user_id, challenge, expires_at > to_timestamp($2::bigint)
        """)
    static let issueSession = PGStatement("webauthn_issue_session", """
        INSERT INTO webauthn_challenges (purpose, user_id, session_key, challenge, expires_at)
        VALUES ($1, $2::bigint, $3::bytea, $4::bytea, to_timestamp($5::bigint))
        """)
    static let takeSession = PGStatement("webauthn_take_session", """
        DELETE FROM webauthn_challenges WHERE session_key = $1::bytea
        RETURNING purpose, user_id, challenge, expires_at > to_timestamp($2::bigint)
        """)
    static let purgeExpired = PGStatement("webauthn_purge_expired", Purge.sql(
        "webauthn_challenges", where: "expires_at < to_timestamp($1::bigint)", limitParameter: 2))

    public func issueRegistration(userID: Int64, challenge: [UInt8], expiresAt: Int64) throws {
        try connection.execute(Self.issueRegistration, [userID, PGBytes(challenge), expiresAt])
    }

    /// The user's registration challenge, gone from the table whatever the caller does next.
    public func takeRegistration(userID: Int64, now: Int64) throws -> Taken? {
        try taken(connection.execute(Self.takeRegistration, [userID, now]))
    }

    public func issueSession(_ purpose: Purpose, userID: Int64?, sessionID: String, challenge: [UInt8],
                             expiresAt: Int64) throws {
        try connection.execute(Self.issueSession, [purpose.rawValue, userID, PGBytes(Self.sessionKey(sessionID)),
                                                   PGBytes(challenge), expiresAt])
    }

    /// The challenge issued under `sessionID`, gone from the table whatever the caller does next.
    public func takeSession(_ sessionID: String, now: Int64) throws -> Taken? {
        try taken(connection.execute(Self.takeSession, [PGBytes(Self.sessionKey(sessionID)), now]))
    }

    /// Expired challenges nobody answered (the maintenance loop).
    public func purgeExpired(now: Int64, limit: Int) throws -> Int {
        try connection.execute(Self.purgeExpired, [now, limit]).affectedRows
    }

    /// The table keeps a digest of the session id, never the id a client holds.
    static func sessionKey(_ sessionID: String) -> [UInt8] { Digest.hash(.sha256, Array(sessionID.utf8)) }

    private func taken(_ r: PGResult) throws -> Taken? {
        guard r.rowCount == 1, let purpose = Purpose(rawValue: try r.required(0, 0)),
              let challenge = r.bytes(0, 2) else { return nil }
        return Taken(purpose: purpose, userID: r.int(0, 1).map(Int64.init), challenge: challenge,
                     valid: r.bool(0, 3) == true)
    }

    // MARK: Credentials

    /// A stored key as the credential routes show it, plus what options and assertions need.
    public struct Credential: Sendable, Equatable {
        public let id: Int64
        public let userID: Int64
        public let credentialID: [UInt8]
        public let publicKey: [UInt8]
        public let signCount: UInt32
        public let name: String
        public let discoverable: Bool
        public let transports: [String]
        public let aaguid: String
        public let createdAt: String
        public let lastUsedAt: String?
    }

    static let columns = """
        id, user_id, credential_id, public_key, sign_count, name, discoverable, array_to_string(transports, ','),
        aaguid::text, \(TimeFormat.sqlMicros("created_at")), \(TimeFormat.sqlMicros("last_used_at"))
        """
    static let forUser = PGStatement("webauthn_for_user",
        "SELECT \(columns) FROM webauthn_credentials WHERE user_id = $1 ORDER BY created_at DESC, id DESC")
    static let byCredentialID = PGStatement("webauthn_by_credential_id",
        "SELECT \(columns) FROM webauthn_credentials WHERE credential_id = $1::bytea")
    static let insert = PGStatement("webauthn_insert", """
        INSERT INTO webauthn_credentials (user_id, credential_id, public_key, algorithm, sign_count, transports, aaguid,
                                          discoverable, backed_up, user_verified, attestation_format, name)
        VALUES ($1, $2::bytea, $3::bytea, $4, $5, string_to_array($6, ','), $7::uuid, $8, $9, $10, $11, $12)
        ON CONFLICT (credential_id) DO NOTHING
        RETURNING \(columns)
        """)
    static let rename = PGStatement("webauthn_rename",
        "UPDATE webauthn_credentials SET name = $3 WHERE id = $1 AND user_id = $2 RETURNING id")
    /// Never the last key while passkeys are the user's primary, active second factor (the
    /// caller holds the user's row lock, so two deletes cannot each leave the other).
    static let delete = PGStatement("webauthn_delete", """
        DELETE FROM webauthn_credentials c WHERE c.id = $1 AND c.user_id = $2
            AND (NOT EXISTS (SELECT 1 FROM mfa_methods m WHERE m.user_id = $2 AND m.name = $3 AND m.is_primary
                                                             AND m.is_active)
                 OR EXISTS (SELECT 1 FROM webauthn_credentials o WHERE o.user_id = $2 AND o.id <> $1))
        RETURNING id
        """)
    static let exists = PGStatement("webauthn_exists",
        "SELECT 1 FROM webauthn_credentials WHERE id = $1 AND user_id = $2")
    /// The sign count moves only forward (or stays 0 for keys without a counter), atomically.
    static let recordUse = PGStatement("webauthn_record_use", """
        UPDATE webauthn_credentials SET sign_count = $2::bigint, last_used_at = now()
        WHERE id = $1 AND ($2::bigint > sign_count OR ($2::bigint = 0 AND sign_count = 0))
        RETURNING user_id
        """)

    public func credentials(userID: Int64) throws -> [Credential] {
        try rows(connection.execute(Self.forUser, [userID]))
    }

    public func credential(credentialID: [UInt8]) throws -> Credential? {
        try rows(connection.execute(Self.byCredentialID, [PGBytes(credentialID)])).first
    }

    /// Stores a verified registration under `name`; nil when its credential id is already registered.
    public func insert(_ verified: VerifiedCredential, userID: Int64, transports: [String],
                       name: String) throws -> Credential? {
        try rows(connection.execute(Self.insert, Self.insertParameters(verified, userID: userID,
                                                                       transports: transports, name: name))).first
    }

    static func insertParameters(_ verified: VerifiedCredential, userID: Int64, transports: [String],
                                 name: String) -> [any PGBindable] {
        [userID, PGBytes(verified.credentialID), PGBytes(verified.publicKey), Int(verified.algorithm.rawValue),
         Int64(verified.signCount), transports.joined(separator: ","), verified.aaguidString,
         verified.flags.contains(.backupEligible), verified.flags.contains(.backedUp),
         verified.flags.contains(.userVerified), verified.attestationFormat, name]
    }

    public func rename(id: Int64, userID: Int64, name: String) throws -> Bool {
        try connection.execute(Self.rename, [id, userID, name]).rowCount == 1
    }

    public enum Deletion: Sendable { case deleted, notFound, lastKeyOfPrimary }

    public func delete(id: Int64, userID: Int64, methodName: String) throws -> Deletion {
        if try connection.execute(Self.delete, [id, userID, methodName]).rowCount == 1 { return .deleted }
        return try connection.execute(Self.exists, [id, userID]).rowCount == 1 ? .lastKeyOfPrimary : .notFound
    }

    /// Records an accepted assertion's counter; false when it does not grow (a concurrent
    /// assertion won, or a clone).
    public func recordUse(id: Int64, signCount: UInt32) throws -> Bool {
        try connection.execute(Self.recordUse, [id, Int64(signCount)]).rowCount == 1
    }

    private func rows(_ r: PGResult) throws -> [Credential] {
        try (0..<r.rowCount).map { i in
            Credential(
                id: Int64(try r.requiredInt(i, 0)), userID: Int64(try r.requiredInt(i, 1)),
                credentialID: r.bytes(i, 2) ?? [], publicKey: r.bytes(i, 3) ?? [],
                signCount: UInt32(clamping: try r.requiredInt(i, 4)), name: try r.required(i, 5),
                discoverable: r.bool(i, 6) == true,
                transports: (try r.required(i, 7)).split(separator: ",").map(String.init),
                aaguid: try r.required(i, 8), createdAt: try r.required(i, 9), lastUsedAt: r.string(i, 10))
        }
    }
}
