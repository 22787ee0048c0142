import CryptoCore

/// The email method: each challenge mails a fresh random 6-digit code, valid for
/// AUTHKIT_MFA_EMAIL_CODE_VALIDITY seconds and once; only the latest code sent is accepted.
///
/// The code is HOTP of the method's secret over a random 63-bit counter. The outbox row keeps
/// only the counter (the sender derives the code again), the method row only a keyed hash of
/// the code: neither a database dump nor the outbox shows a code.
/// (Not a NIST-recognised out-of-band authenticator: email does not prove possession of a device.)
public struct EmailHandler: MFAHandler {
    public let name = "email"
    public let evidenceKinds = [EmailHandler.kind]
    public var redemptions: [Redemption] { [Self.latestCode] }
    static let kind = "email"
    static let digits = 6

    let validity: Int64
    let cooldown: Int64
    let secrets: SecretBox
    private let hashKey: [UInt8]

    /// Single use: the hash is cleared by the statement that accepts it.
    static let latestCode = Redemption(name: "email_code", assignments: "email_code_hash = NULL",
                                       condition: "email_code_hash = $11")

    public init(_ environment: HandlerEnvironment) {
        validity = environment.mfa.emailCodeValidity
        cooldown = environment.sendCooldown
        secrets = environment.secrets
        hashKey = HMAC.authenticate(.sha256, key: environment.secrets.keys.first?.bytes ?? [],
                                    message: Array("authkit.email-code.v1".utf8))
    }

    public func enrol(user: User) throws -> Enrolment {
        Enrolment(secret: TOTP.newSecret(),
                  setupData: .object(["detail": "Email message with MFA code has been sent."]))
    }

    public func challenge(_ method: MFAMethod, user: User, reason: ChallengeReason,
                          context: ChallengeContext) throws -> ChallengeResult {
        guard !user.email.isEmpty else { return .undeliverable(reason: "the user has no email address") }
        guard let secret = try? secrets.open(method.secret, userID: method.userID, method: method.name),
              let hotp = TOTP(base32: secret, interval: validity) else { throw MFAFailure.secretUnreadable }
        let counter = SecureRandom.bytes(8).reduce(Int64(0)) { $0 << 8 | Int64($1) } & Int64.max
        let code = hotp.code(step: counter)
        let now = context.now.seconds
        if let next = try context.store.recordCodeSent(methodID: method.id, hash: codeHash(code, methodID: method.id),
                                                       now: now, cooldown: reason.appliesCooldown ? cooldown : nil) {
            throw MFAFailure.throttled(wait: max(1, next - now))
        }
        try context.outbox.enqueue(userID: user.id, methodID: method.id, recipient: user.email, step: counter,
                                   interval: validity, validUntil: now + validity, requestID: context.requestID)
        return .sent
    }

    public func evidence(_ code: String, for method: MFAMethod, now: UnixTime) throws -> Evidence? {
        guard let stored = method.emailCodeHash, let sentAt = method.emailCodeSentAt, now.seconds < sentAt + validity,
              code.utf8.count == Self.digits, code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let given = codeHash(code, methodID: method.id)
        guard ConstantTime.equals(Array(given.utf8), Array(stored.utf8)) else { return nil }
        return Evidence(kind: Self.kind, redemption: Self.latestCode, parameters: [stored])
    }

    /// Bound to the method, so a hash copied to another row matches nothing.
    func codeHash(_ code: String, methodID: Int64) -> String {
        Base64.encode(HMAC.authenticate(.sha256, key: hashKey, message: Array("\(methodID):\(code)".utf8)))
    }
}
