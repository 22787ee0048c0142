import PostgreSQL

/// Re-encrypts every TOTP secret not yet under the newest key (legacy plaintext included), one
/// row at a time with a compare-and-set, so it can run while the service is up.
public struct SecretRotation {
    let connection: PGConnection
    let box: SecretBox

    public init(connection: PGConnection, box: SecretBox) {
        self.connection = connection
        self.box = box
    }

    public struct Result: Sendable, Equatable {
        public var rotated = 0
        public var current = 0
        public var unreadable = 0
    }

    public func run() throws -> Result {
        var result = Result()
        let rows = try connection.query("SELECT id, user_id, name, secret FROM mfa_methods ORDER BY id")
        for row in 0..<rows.rowCount {
            let id = try rows.requiredInt(row, 0), userID = Int64(try rows.requiredInt(row, 1))
            let name = try rows.required(row, 2), stored = try rows.required(row, 3)
            if box.isCurrent(stored) {
                result.current += 1
                continue
            }
            guard let plain = try? box.open(stored, userID: userID, method: name) else {
                result.unreadable += 1
                continue
            }
            let sealed = try box.seal(plain, userID: userID, method: name)
            let updated = try connection.query("UPDATE mfa_methods SET secret = $2 WHERE id = $1 AND secret = $3",
                                               [id, sealed, stored])
            result.rotated += updated.affectedRows
        }
        return result
    }
}
