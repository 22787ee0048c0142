/// Slow hashing: the password hash's cost and the per-instance budget, in lanes (`HashLanes`):
/// clients with a device cookie, everyone else, and enrolment each have their own share, so a
/// flood in one lane never refuses another, and none can occupy every worker.
public struct HashingSettings: SettingsGroup {
    /// PBKDF2-SHA256 iterations for new password hashes.
    public var passwordIterations: Int
    static let passwordIterations = SettingKey<Int>(
        "PASSWORD_HASH_ITERATIONS", default: "1000000", .int(in: 1...100_000_000),
        "PBKDF2-SHA256 iterations for new password hashes (Django 5.2's default). Older hashes are upgraded at "
            + "the next successful login.")

    /// The lane of clients without a device cookie for the account.
    public var concurrency: Int
    static let concurrency = SettingKey<Int>(
        "PASSWORD_HASH_CONCURRENCY", computed: "min(cores, workers/2)", .int(in: 1...1024),
        "Slow hashes (passwords, old backup-code schemes) computed at the same time for clients without a device "
            + "cookie for the account, across all workers of this instance: the lane anyone can fill.")

    public var queue: Int
    static let queue = SettingKey<Int>(
        "PASSWORD_HASH_QUEUE", computed: "workers/2 - concurrency", .int(in: 0...1024),
        "Requests of that lane that may wait for a hashing slot; beyond it they get 503 at once, so it never "
            + "occupies more than concurrency + queue workers (must stay below WORKERS).")

    /// The lane of clients presenting a valid device cookie for the account (its owner's browsers).
    public var trustedConcurrency: Int
    static let trustedConcurrency = SettingKey<Int>(
        "TRUSTED_HASH_CONCURRENCY", computed: "max(1, cores/4)", .int(in: 1...1024),
        "Slow hashes computed at the same time for clients presenting a valid device cookie: a lane of their own, "
            + "so a flood from anyone else never turns their logins into 503s.")

    /// Requests of the trusted and enrolment lanes that may wait for a slot: twice the lane's
    /// concurrency, but never so many that the lane could occupy every worker.
    public var trustedQueue: Int
    public var enrolmentQueue: Int

    /// The lane of enrolment work: creating a method, regenerating backup codes.
    public var enrolmentConcurrency: Int
    static let enrolmentConcurrency = SettingKey<Int>(
        "ENROLMENT_HASH_CONCURRENCY", default: "1", .int(in: 1...1024),
        "Backup-code hashing of POST mfa/ and mfa/backup-codes/regenerate/ at the same time: its own lane, so "
            + "enrolment by logged-in users never delays or refuses anyone's login.")

    /// Seconds.
    public var queueTimeout: Double
    static let queueTimeout = SettingKey<Double>(
        "PASSWORD_HASH_QUEUE_TIMEOUT", default: "5", .seconds(in: 0...600),
        "Seconds a request waits for a hashing slot before getting 503.")

    public static var catalog: [SettingInfo] {
        [passwordIterations.info, concurrency.info, queue.info, trustedConcurrency.info, enrolmentConcurrency.info,
         queueTimeout.info]
    }

    /// `workers`: the instance's worker threads (`ServerSettings.workers`), which bound the budget.
    init(reader: SettingsReader, workers: Int) throws(SettingsError) {
        passwordIterations = try reader.value(Self.passwordIterations)
        // Slow hashing may use at most half of the workers (all of them when there is only one).
        let share = max(1, workers / 2)
        let cores = ProcessorCount.online
        trustedConcurrency = try reader.value(Self.trustedConcurrency, default: max(1, cores / 4))
        enrolmentConcurrency = try reader.value(Self.enrolmentConcurrency)
        concurrency = try reader.value(Self.concurrency, default: max(1, min(cores, share)))
        queue = try reader.value(Self.queue, default: max(0, share - concurrency))
        trustedQueue = max(0, min(2 * trustedConcurrency, workers - 1 - trustedConcurrency))
        enrolmentQueue = max(0, min(2 * enrolmentConcurrency, workers - 1 - enrolmentConcurrency))
        queueTimeout = try reader.value(Self.queueTimeout)
        if workers > 1 && trustedConcurrency >= workers {
            throw SettingsError(setting: Self.trustedConcurrency.variable,
                                problem: "(\(trustedConcurrency)) must stay below the \(workers) workers")
        }
        if workers > 1 && enrolmentConcurrency >= workers {
            throw SettingsError(setting: Self.enrolmentConcurrency.variable,
                                problem: "(\(enrolmentConcurrency)) must stay below the \(workers) workers")
        }
        if workers > 1 && concurrency + queue >= workers {
            throw SettingsError(
                setting: Self.concurrency.variable,
                problem: "concurrency (\(concurrency)) + queue (\(queue)) must stay below the \(workers) workers, "
                    + "so a flood of logins cannot occupy them all")
        }
    }
}
