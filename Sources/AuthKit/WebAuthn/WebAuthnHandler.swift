import CryptoCore
import PostgreSQL

/// The `webauthn` MFA method (drf-auth-kit's MFAWebAuthnHandler): passkeys and security keys
/// as a second factor. The method row keeps only whether passkeys guard the account (active,
/// primary, backup codes); the keys live in `webauthn_credentials`, one pool per user.
///
/// - enrolment: creation options, the challenge stored in the user's registration slot;
/// - confirm: `code` is the registration as a JSON string; the key is stored by the same
///   statement that consumes it;
/// - login/challenge/, mfa/challenge/: request options bound to the user, with a `session_id`;
/// - every other code check: the assertion as a JSON string with `session_id` inside; the
///   consuming statement moves the key's counter forward (or refuses, if another answer did).
public struct WebAuthnHandler: MFAHandler {
    public static let methodName = "webauthn"
    public let name = WebAuthnHandler.methodName
    public let evidenceKinds = [WebAuthnHandler.kind]
    public var redemptions: [Redemption] { [Self.registration, Self.assertion] }
    static let kind = "webauthn"

    let ceremonies: PasskeyCeremonies

    public init(_ environment: HandlerEnvironment) {
        ceremonies = PasskeyCeremonies(settings: environment.webauthn)
    }

    /// The key is stored with the consuming statement, so an activation and its key commit together;
    /// a credential id already registered (by anyone) inserts nothing and fails the check.
    static let registration = Redemption(
        name: "webauthn_registration", assignments: "", condition: "EXISTS (SELECT 1 FROM registered)",
        prelude: """
            registered AS (
                INSERT INTO webauthn_credentials (user_id, credential_id, public_key, algorithm, sign_count, transports,
                                                  aaguid, discoverable, backed_up, user_verified, attestation_format,
                                                  name)
                SELECT user_id, $11::bytea, $12::bytea, $13::integer, $14::bigint, string_to_array($15::text, ','),
                       $16::uuid, $17::boolean, $18::boolean, $19::boolean, $20::text, $21::varchar
                FROM mfa_methods WHERE id = $1
                ON CONFLICT (credential_id) DO NOTHING
                RETURNING id
            ),
            """)

    /// The counter only moves forward (both 0: a key without one); of two answers signed with
    /// one counter value only one is accepted.
    static let assertion = Redemption(
        name: "webauthn_assertion", assignments: "", condition: "EXISTS (SELECT 1 FROM counted)",
        prelude: """
            counted AS (
                UPDATE webauthn_credentials SET sign_count = $12::bigint, last_used_at = now()
                WHERE id = $11::bigint AND user_id = (SELECT user_id FROM mfa_methods WHERE id = $1)
                    AND ($12::bigint > sign_count OR ($12::bigint = 0 AND sign_count = 0))
                RETURNING id
            ),
            """)

    /// The secret is unused (the reference stores one too); `setup_data` carries the options.
    public func enrol(user: User, context: ChallengeContext) throws -> Enrolment {
        let options = try ceremonies.creationOptions(for: user, store: WebAuthnStore(context.store.connection),
                                                     now: context.now.seconds)
        return Enrolment(secret: TOTP.newSecret(), setupData: .object(["options": options]))
    }

    public func challengeOptions(_ method: MFAMethod, user: User, context: ChallengeContext) throws -> JSONValue {
        let store = WebAuthnStore(context.store.connection)
        return try ceremonies.requestOptions(.authentication, userID: user.id,
                                             allowing: try store.credentials(userID: user.id).map(PasskeyCeremonies.descriptor),
                                             store: store,
                                             now: context.now.seconds)
    }

    public func evidence(_ code: String, for method: MFAMethod, now: UnixTime) throws -> Evidence? { nil }

    public func evidence(_ code: String, for method: MFAMethod, context: EvidenceContext) throws -> Evidence? {
        // Not JSON (a TOTP-looking code, a backup code): nothing to judge, nothing consumed.
        guard let document = PublicKeyCredentialJSON.parse(code) else { return nil }
        let now = context.now.seconds
        let ceremonies = self.ceremonies
        return try context.db { connection -> Evidence? in
            let store = WebAuthnStore(connection)
            if context.action == .confirm {
                switch try ceremonies.verifyRegistration(document, userID: method.userID, store: store, now: now) {
                case .success(let registration):
                    let parameters = WebAuthnStore.insertParameters(
                        registration.verified, userID: method.userID, transports: registration.transports,
                        name: PasskeyCeremonies.defaultName).dropFirst().map { $0.pgText ?? "" }
                    return Evidence(kind: Self.kind, redemption: Self.registration, parameters: Array(parameters))
                case .failure(let refusal):
                    try PasskeyAudit(connection).refused(refusal, userID: method.userID, origin: context.origin)
                    return nil
                }
            }
            guard case .object(let object) = document, case .string(let sessionID)? = object["session_id"] else {
                return nil
            }
            switch try ceremonies.verifyAssertion(document, sessionID: sessionID, purpose: .authentication,
                                                  userID: method.userID, store: store, now: now) {
            case .success(let assertion):
                return Evidence(kind: Self.kind, redemption: Self.assertion,
                                parameters: [String(assertion.credential.id), String(assertion.verified.newSignCount)])
            case .failure(let refusal):
                try PasskeyAudit(connection).refused(refusal, userID: method.userID, origin: context.origin)
                return nil
            }
        }
    }
}
