import PostgreSQL

/// Audit rows (`mfa_events`, method `webauthn` or `email_link`) for what passkeys and
/// passwordless sign-in do outside the code pipeline, which writes its own.
struct PasskeyAudit {
    let connection: PGConnection

    init(_ connection: PGConnection) { self.connection = connection }

    static let insert = PGStatement("passkey_event_insert", """
        INSERT INTO mfa_events (user_id, method_id, method, event, code_kind, details, client_ip, request_id,
                                user_agent_hash)
        VALUES ($1, (SELECT id FROM mfa_methods WHERE user_id = $1 AND name = 'webauthn'), $2, $3, $4, $5::jsonb,
                $6::inet, $7, $8)
        """)

    func record(_ event: String, userID: Int64, method: String = WebAuthnHandler.methodName,
                kind: String? = WebAuthnHandler.kind, details: JSONObject? = nil, origin: EventOrigin) throws {
        let text = details.map { String(decoding: JSONWriter.encode(.object($0)), as: UTF8.self) }
        try connection.execute(Self.insert, [userID, method, event, kind, text] + origin.parameters)
    }

    /// A refused answer with its reason; a counter that went backwards also gets its own row
    /// (`passkey_clone_warning`), which is what a DBA should alert on.
    func refused(_ refusal: WebAuthnRefusal, userID: Int64, origin: EventOrigin) throws {
        var details = JSONObject()
        details.append("reason", .string(refusal.reason))
        try record("passkey_refused", userID: userID, details: details, origin: origin)
        if let key = refusal.cloneSuspect {
            var clone = JSONObject()
            clone.append("credential", .number(JSONNumber(literal: String(key.id))))
            clone.append("stored_sign_count", .number(JSONNumber(literal: String(key.signCount))))
            try record("passkey_clone_warning", userID: key.userID, details: clone, origin: origin)
        }
    }
}
