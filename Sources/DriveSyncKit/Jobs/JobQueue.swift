/// Where jobs wait and run, as the service's routes see it (`DriveJobs` on the durable queue).
public protocol JobQueue: Sendable {
    /// Checks `spec` and queues it; bad input throws before anything is queued.
    func submit(_ spec: JobSpec) async throws -> JobStatus
    func status(of id: String) async throws -> JobStatus?
    /// The most recent jobs, newest first.
    func list(limit: Int) async throws -> [JobStatus]
    /// Cancels a queued or running job; a finished one is left as it is. `nil` when there is no such job.
    func cancel(_ id: String) async throws -> JobStatus?
    /// Asks the database; throws when it does not answer.
    func health() async throws -> JobQueueHealth
    /// The content index's files matching `query`, best first.
    func search(_ query: String, limit: Int, account: String?) async throws -> [SearchHit]
    func indexSummary() async throws -> IndexSummary
    /// Queues an index run of Drive folders (`drive:PATH`, `NAME:PATH`).
    func queueIndex(_ locations: [String]) async throws -> JobStatus
}

/// The queue as a readiness probe reports it.
public struct JobQueueHealth: Sendable, Hashable {
    /// The database, without secrets.
    public var database: String
    public var queued: Int
    /// Running anywhere (every process sharing the database).
    public var running: Int
    /// Running in this process.
    public var runningHere: Int
}
