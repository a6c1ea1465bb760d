public import Foundation
import SQLDatabase

/// The queue's durable state. Every backend (SQLite on one machine, PostgreSQL for many) keeps the
/// same promises, checked by one conformance suite:
/// - claims go by priority (higher first), then run time, then age, and never hand one job to two workers;
/// - an attempt holds a lease that heartbeats extend; an expired lease is rescued, and the attempt that lost
///   it can no longer complete, fail or extend the job;
/// - a queued job's unique key makes enqueueing an equal job return the queued one.
public protocol QueueStore: Sendable {
    /// Creates or upgrades the tables.
    func migrate() async throws

    /// Queues `jobs`; for one whose unique key a queued job already has, that job is returned instead.
    func enqueue(_ jobs: [NewJob]) async throws -> [QueuedJob]

    /// Up to `limit` ready jobs of `kinds` (all kinds when nil), now running under leases of `lease` each.
    func claim(worker: String, kinds: Set<String>?, limit: Int, lease: Duration) async throws -> [ClaimedJob]

    /// Extends the lease and records `progress` (JSON); throws `QueueError.leaseLost` when it was lost.
    func heartbeat(_ lease: JobLease, extendBy: Duration, progress: String?) async throws -> HeartbeatAnswer

    /// Records success with the handler's `result` and its last `progress` (JSON).
    func complete(_ lease: JobLease, result: String?, progress: String?) async throws

    /// Records several successes in one transaction (many short jobs finishing together); returns the
    /// leases that were lost, whose results were not recorded.
    func complete(_ completions: [JobCompletion]) async throws -> [JobLease]

    /// Records a failed attempt: it runs again after `retryIn`, or is dead when that is nil.
    func fail(_ lease: JobLease, error: String, retryIn: Duration?) async throws

    /// Gives the job back without counting the attempt (its worker is shutting down).
    func release(_ lease: JobLease) async throws

    /// Records that the attempt stopped because the job was cancelled.
    func acknowledgeCancel(_ lease: JobLease) async throws

    /// Running jobs whose leases expired go back to the queue (or die at their last attempt). Returns them.
    func rescueExpired(backoff: @Sendable (Int) -> Duration) async throws -> [QueuedJob]

    /// Cancels a queued or failed job at once; marks a running one so its worker stops it.
    func cancel(_ id: String) async throws -> QueuedJob?

    /// Queues a dead, cancelled or failed job again, with a fresh count of attempts.
    func retry(_ id: String) async throws -> QueuedJob?

    func job(_ id: String) async throws -> QueuedJob?
    func attempts(of id: String) async throws -> [JobAttempt]
    /// Newest first.
    func list(_ filter: JobFilter) async throws -> [QueuedJob]
    func depth() async throws -> [QueueDepth]
    /// How long until the soonest job of `kinds` (any kind when `nil`) waiting for its time is due, by the
    /// store's clock (zero when one is due already); `nil` when none waits.
    func untilNextRun(kinds: Set<String>?) async throws -> Duration?

    /// Removes succeeded, dead and cancelled jobs that finished more than `age` ago. Returns how many.
    func prune(olderThan age: Duration) async throws -> Int

    /// Answers when the database does.
    func ping() async throws
}

/// One success for a batched `complete`.
public struct JobCompletion: Sendable, Hashable {
    public var lease: JobLease
    public var result: String?
    public var progress: String?

    public init(lease: JobLease, result: String? = nil, progress: String? = nil) {
        self.lease = lease
        self.result = result
        self.progress = progress
    }
}

public enum QueueError: Error, Hashable, CustomStringConvertible {
    /// The attempt's lease expired and the job was rescued (or finished by another attempt).
    case leaseLost(jobID: String, attempt: Int)
    case invalid(String)

    public var description: String {
        switch self {
        case .leaseLost(let id, let attempt):
            "job \(id) attempt \(attempt) no longer holds its lease; another attempt owns the job"
        case .invalid(let message): message
        }
    }
}

/// Job ids: `job_` and 16 random base-36 characters, sortable by nothing (listings sort by time).
enum JobID {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        return "job_" + String((0..<16).map { _ in alphabet[Int(generator.next() % 36)] })
    }

    static func token() -> String { UUID().uuidString.lowercased() }
}
