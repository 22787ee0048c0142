/// An account, as the API and the authentication layer see it (never its password hash).
public struct User: Sendable, Equatable {
    public let id: Int64
    public var username: String
    public var email: String
    public var firstName: String
    public var lastName: String
    public var isActive: Bool
    /// Microseconds since the epoch of the last successful login (part of ephemeral-token MACs).
    public var lastLoginMicros: Int64?
    /// Unix seconds before which device cookies (and sessions) of the user are void.
    public var sessionsRevokedAt: Int64?
    /// The user's MFA methods (name, primary, active) in id order, loaded with the account by
    /// the authenticating query so `GET mfa/` needs no second round trip; nil when not loaded.
    public var methods: [MethodSummary]?

    public struct MethodSummary: Sendable, Equatable {
        public let name: String
        public let isPrimary: Bool
        public let isActive: Bool
    }

    /// Whether a token issued at `issuedAt` (unix seconds) is still one of the user's sessions:
    /// not from before the user's sessions were last revoked (password change or reset, MFA
    /// reset, deactivation, logout everywhere). A token of the revoking second itself stays
    /// valid, so a login right after "log out everywhere" is not void.
    public func acceptsSession(issuedAt: Int64) -> Bool {
        issuedAt >= sessionsRevokedAt ?? .min
    }

    /// drf-auth-kit's user serializer: `{"pk", "username", "email", "first_name", "last_name"}`.
    public var json: JSONValue {
        .object([
            "pk": .number(JSONNumber(literal: String(id))),
            "username": .string(username),
            "email": .string(email),
            "first_name": .string(firstName),
            "last_name": .string(lastName),
        ])
    }
}
