/// Slow hashing: the password hash's cost and the per-instance budget (`HashBudget`) that keeps
/// a login flood from occupying every worker.
public struct HashingSettings: SettingsGroup {
    /// PBKDF2-SHA256 iterations for new password hashes.
    public var passwordIterations: Int
    static let passwordIterations = SettingKey<Int>(
        "PASSWORD_HASH_ITERATIONS", default: "1000000", .int(in: 1...100_000_000),
        "PBKDF2-SHA256 iterations for new password hashes (Django 5.2's default). Older hashes are upgraded at "
            + "the next successful login.")

    public var concurrency: Int
    static let concurrency = SettingKey<Int>(
        "PASSWORD_HASH_CONCURRENCY", computed: "min(cores, workers/2)", .int(in: 1...1024),
        "Slow hashes (passwords, backup codes) computed at the same time, across all workers of this instance.")

    public var queue: Int
    static let queue = SettingKey<Int>(
        "PASSWORD_HASH_QUEUE", computed: "workers/2 - concurrency", .int(in: 0...1024),
        "Requests that may wait for a hashing slot; beyond it they get 503 at once, so hashing never occupies "
            + "more than concurrency + queue workers (must stay below WORKERS).")

    /// Seconds.
    public var queueTimeout: Double
    static let queueTimeout = SettingKey<Double>(
        "PASSWORD_HASH_QUEUE_TIMEOUT", default: "5", .seconds(in: 0...600),
        "Seconds a request waits for a hashing slot before getting 503.")

    public static var catalog: [SettingInfo] {
        [passwordIterations.info, concurrency.info, queue.info, queueTimeout.info]
    }

    /// `workers`: the instance's worker threads (`ServerSettings.workers`), which bound the budget.
    init(reader: SettingsReader, workers: Int) throws(SettingsError) {
        passwordIterations = try reader.value(Self.passwordIterations)
        // Slow hashing may use at most half of the workers (all of them when there is only one).
        let share = max(1, workers / 2)
        let cores = ProcessorCount.online
        concurrency = try reader.value(Self.concurrency, default: max(1, min(cores, share)))
        queue = try reader.value(Self.queue, default: max(0, share - concurrency))
        queueTimeout = try reader.value(Self.queueTimeout)
        if workers > 1 && concurrency + queue >= workers {
            throw SettingsError(
                setting: Self.concurrency.variable,
                problem: "concurrency (\(concurrency)) + queue (\(queue)) must stay below the \(workers) workers, "
                    + "so a flood of logins cannot occupy them all")
        }
    }
}
