import PostgreSQL

/// A kind of second factor (drf-auth-kit's MFA handler): the one seam a new factor plugs into.
///
/// A handler owns everything that differs between factors — what enrolment stores and shows,
/// what a challenge does (nothing, an email, a WebAuthn challenge), what a submitted code
/// proves, and the SQL condition under which that proof is consumed. Everything they share
/// (attempt limits, backup codes, the audit trail, metrics, transactions) lives in
/// `CodeVerifier` and `MethodManager`, so adding a factor is one type plus its line in
/// `MFAHandlerRegistry`.
public protocol MFAHandler: Sendable {
    /// The method name: an `AUTHKIT_MFA_HANDLERS` value and `mfa_methods.name`.
    var name: String { get }
    /// The evidence kinds its codes produce (`mfa_events.code_kind`, the metrics `kind` label).
    var evidenceKinds: [String] { get }
    /// The consuming statements its evidence uses; prepared once per connection.
    var redemptions: [Redemption] { get }

    /// Enrolment (POST mfa/): the secret to store (sealed) and the `setup_data` to answer.
    func enrol(user: User) throws -> Enrolment

    /// Enrolment inside the creating transaction, for handlers that must store something with
    /// the method (a WebAuthn registration challenge). By default `enrol(user:)`.
    func enrol(user: User, context: ChallengeContext) throws -> Enrolment

    /// A new challenge for `method` (creation, the first login step, login/resend/, mfa/send/),
    /// inside the caller's transaction. Code-free handlers do nothing.
    func challenge(_ method: MFAMethod, user: User, reason: ChallengeReason,
                   context: ChallengeContext) throws -> ChallengeResult

    /// The body of login/challenge/ and mfa/challenge/ (`{}` for code-based methods); handlers
    /// that issue a challenge store it through `context`.
    func challengeOptions(_ method: MFAMethod, user: User, context: ChallengeContext) throws -> JSONValue

    /// What `code` proves for `method` at `now`, before anything is consumed; nil: nothing.
    func evidence(_ code: String, for method: MFAMethod, now: UnixTime) throws -> Evidence?

    /// `evidence(_:for:now:)` for handlers that need the database to judge a code (a WebAuthn
    /// answer consumes its challenge and names a stored key). By default the plain one.
    func evidence(_ code: String, for method: MFAMethod, context: EvidenceContext) throws -> Evidence?
}

/// What a handler may use while judging a code: the time, the action the code is for, where
/// the request came from, and the request's database connection (only when asked for).
public struct EvidenceContext {
    public let now: UnixTime
    public let action: CodeAction
    public let origin: EventOrigin
    let database: ((PGConnection) throws -> Void) throws -> Void

    /// Runs `body` on the request's connection.
    func db<T>(_ body: (PGConnection) throws -> T) throws -> T {
        var result: T?
        try withoutActuallyEscaping(body) { body in try database { result = try body($0) } }
        return result!
    }
}

extension MFAHandler {
    public func enrol(user: User, context: ChallengeContext) throws -> Enrolment { try enrol(user: user) }

    /// For handlers that enrol only inside the transaction (they implement the context variant,
    /// which is the one method management calls).
    public func enrol(user: User) throws -> Enrolment { throw MFAFailure.noSuchMethod }

    public func evidence(_ code: String, for method: MFAMethod, context: EvidenceContext) throws -> Evidence? {
        try evidence(code, for: method, now: context.now)
    }

    public func challenge(_ method: MFAMethod, user: User, reason: ChallengeReason,
                          context: ChallengeContext) throws -> ChallengeResult {
        .nothing
    }
    public func challengeOptions(_ method: MFAMethod, user: User, context: ChallengeContext) throws -> JSONValue {
        .object(JSONObject())
    }
}

/// What enrolment produced: the plaintext secret (sealed before it is stored; may be empty for
/// factors without one) and the `setup_data` of the create answer.
public struct Enrolment: Sendable {
    public let secret: String
    public let setupData: JSONValue

    public init(secret: String, setupData: JSONValue) {
        self.secret = secret
        self.setupData = setupData
    }
}

/// What a challenge may use: the request's transaction (method row and outbox), the time and
/// the request id for the outbox row.
public struct ChallengeContext {
    public let store: MFAStore
    public let outbox: OutboxStore
    public let now: UnixTime
    public let requestID: String
}

/// What a challenge did: a code sent is audited as `code_sent`; one that could not be sent is
/// logged with its reason (never a secret).
public enum ChallengeResult: Sendable, Equatable {
    case nothing, sent
    case undeliverable(reason: String)
}

/// Why a challenge is issued: the send cooldown applies only to explicit re-sends.
public enum ChallengeReason: Sendable, Equatable {
    /// The method was just created (its first code confirms it).
    case enrolment
    /// The first login step: always sends, so every login gets a code that works.
    case login
    /// login/resend/ or mfa/send/: refused with 429 inside AUTHKIT_MFA_SEND_COOLDOWN.
    case resend

    public var appliesCooldown: Bool { self == .resend }
}

/// What a consumed piece of evidence changes on its `mfa_methods` row, beyond what every
/// redemption does (reset the attempt counter, stamp `last_used_at`). `assignments` and
/// `condition` are SQL over the method row; their parameters are numbered from
/// `Redemption.firstParameter` and supplied by the `Evidence`.
public struct Redemption: Sendable, Hashable {
    /// Unique per process: part of the prepared statement's name.
    public let name: String
    /// Extra `SET` assignments (may be empty).
    public let assignments: String
    /// The `WHERE` condition that makes the evidence single-use (`true` when it is not).
    public let condition: String
    /// Common table expressions (each `name AS (...),`) the statement runs first and the
    /// condition may test: a change to another table that must happen in the same statement.
    public let prelude: String

    /// `$1`…`$10` are the pipeline's (method id, origin, event, kind, login time, trail rows, device).
    public static let firstParameter = 11

    public init(name: String, assignments: String, condition: String, prelude: String = "") {
        self.name = name
        self.assignments = assignments
        self.condition = condition
        self.prelude = prelude
    }
}

/// What a code proved, ready to be consumed: its kind and the parameters of its redemption.
public struct Evidence: Sendable, Equatable {
    public let kind: String
    public let redemption: Redemption
    public let parameters: [String]

    public init(kind: String, redemption: Redemption, parameters: [String] = []) {
        self.kind = kind
        self.redemption = redemption
        self.parameters = parameters
    }

    public var isBackupCode: Bool { kind == BackupCodes.kind }
}
