public import Foundation

/// Where a job is in the queue.
public enum JobState: String, Codable, Sendable, Hashable, CaseIterable {
    case queued
    case running
    case succeeded
    /// An attempt failed; it runs again at `runAt`.
    case failed
    /// Every attempt failed; it stays visible until it is retried or pruned.
    case dead
    case cancelled

    /// Nothing will run it again unless someone retries it.
    public var isFinal: Bool { [.succeeded, .dead, .cancelled].contains(self) }
}

/// A job as it is asked for.
public struct NewJob: Sendable, Hashable {
    public var kind: String
    /// JSON, read by the kind's handler.
    public var arguments: String
    /// One line for listings.
    public var summary: String
    /// Higher runs first.
    public var priority: Int
    public var runAt: Date?
    public var maxAttempts: Int
    /// While a queued job has this key, enqueueing another with it returns that job instead, moved to run
    /// at the earlier of the two times.
    public var uniqueKey: String?
    /// With `uniqueKey`: the queued job moves to this one's time instead (later, as each request comes),
    /// but never past `debounce` after it was first queued. A stream of requests then runs it once per
    /// `debounce` at most, and once soon after the stream ends.
    public var debounce: Duration?

    public init(
        kind: String,
        arguments: String = "{}",
        summary: String = "",
        priority: Int = 0,
        runAt: Date? = nil,
        maxAttempts: Int = 5,
        uniqueKey: String? = nil,
        debounce: Duration? = nil
    ) {
        self.kind = kind
        self.arguments = arguments
        self.summary = summary
        self.priority = priority
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.uniqueKey = uniqueKey
        self.debounce = debounce
    }
}

/// A job as the queue holds it.
public struct QueuedJob: Codable, Sendable, Hashable {
    public var id: String
    public var kind: String
    public var arguments: String
    public var summary: String
    public var priority: Int
    public var state: JobState
    /// Attempts started so far.
    public var attempt: Int
    public var maxAttempts: Int
    public var runAt: Date
    public var uniqueKey: String?
    /// The worker that holds (or last held) it.
    public var worker: String?
    public var leaseExpires: Date?
    public var cancelRequested: Bool
    public var lastError: String?
    /// JSON from the handler: its result once it succeeded, its progress while it runs.
    public var result: String?
    public var progress: String?
    public var created: Date
    public var started: Date?
    public var finished: Date?
}

/// The right to finish one attempt of one job. A worker that lost it (its lease expired and the job
/// was rescued) can no longer complete, fail or extend the job: the token no longer matches.
public struct JobLease: Sendable, Hashable {
    public var jobID: String
    public var token: String
    public var attempt: Int
}

/// A job a worker claimed, with its lease.
public struct ClaimedJob: Sendable, Hashable {
    public var job: QueuedJob
    public var lease: JobLease
}

/// One attempt's history.
public struct JobAttempt: Codable, Sendable, Hashable {
    public enum Outcome: String, Codable, Sendable, Hashable {
        case running
        case succeeded
        case failed
        /// Its worker stopped heartbeating; the job was rescued.
        case lost
        /// Its worker shut down and gave the job back.
        case released
        case cancelled
    }

    public var attempt: Int
    public var worker: String
    public var started: Date
    public var ended: Date?
    public var outcome: Outcome
    public var error: String?
}

/// Which jobs a listing shows.
public struct JobFilter: Sendable, Hashable {
    public var states: Set<JobState>?
    public var kinds: Set<String>?
    public var limit: Int

    public init(states: Set<JobState>? = nil, kinds: Set<String>? = nil, limit: Int = 100) {
        self.states = states
        self.kinds = kinds
        self.limit = limit
    }
}

/// What a heartbeat learned.
public enum HeartbeatAnswer: Sendable, Hashable {
    case held
    /// Someone cancelled the job: stop and report it cancelled.
    case cancelRequested
}

/// How many jobs of a kind are in a state.
public struct QueueDepth: Sendable, Hashable {
    public var kind: String
    public var state: JobState
    public var count: Int
}
