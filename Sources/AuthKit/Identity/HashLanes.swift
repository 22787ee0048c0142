/// The slow-hash budget in lanes, each a `HashBudget` of its own: clients presenting a valid
/// device cookie for the account (its owner's browsers), every other client, and enrolment work
/// (creating a method, regenerating backup codes). A full lane answers 503 only to its own
/// requests, so a flood of unknown clients or a logged-in user's enrolment loop never turns the
/// owners' logins into 503s.
public final class HashLanes: Sendable {
    public enum Lane: String, Sendable, CaseIterable {
        case trusted, untrusted, enrolment
    }

    public let trusted: HashBudget
    public let untrusted: HashBudget
    public let enrolment: HashBudget

    public init(_ settings: HashingSettings) {
        untrusted = HashBudget(concurrency: settings.concurrency, queue: settings.queue, timeout: settings.queueTimeout)
        trusted = HashBudget(concurrency: settings.trustedConcurrency, queue: settings.trustedQueue,
                             timeout: settings.queueTimeout)
        enrolment = HashBudget(concurrency: settings.enrolmentConcurrency, queue: settings.enrolmentQueue,
                               timeout: settings.queueTimeout)
    }

    public init(untrusted: HashBudget, trusted: HashBudget, enrolment: HashBudget) {
        self.untrusted = untrusted
        self.trusted = trusted
        self.enrolment = enrolment
    }

    public func budget(_ lane: Lane) -> HashBudget {
        switch lane {
        case .trusted: return trusted
        case .untrusted: return untrusted
        case .enrolment: return enrolment
        }
    }

    /// The login lane of an attempt: its device's, or everyone else's.
    public func budget(for attempt: AttemptLane) -> HashBudget {
        attempt == .untrusted ? untrusted : trusted
    }

    /// Slow hashes computed in every lane so far.
    public var computed: Int { Lane.allCases.reduce(0) { $0 + budget($1).computed.load(ordering: .relaxed) } }
}
