/// Where jobs wait and run. The service's routes use only this, so the in-process queue and a durable one
/// (SQLite, PostgreSQL) can replace each other without changing a route.
public protocol JobQueue: Sendable {
    /// Checks `spec` and queues it; bad input throws before anything is queued.
    func submit(_ spec: JobSpec) async throws -> JobStatus
    func status(of id: String) async throws -> JobStatus?
    /// The most recent jobs, newest first.
    func list(limit: Int) async throws -> [JobStatus]
    /// Cancels a queued or running job; a finished one is left as it is. `nil` when there is no such job.
    func cancel(_ id: String) async throws -> JobStatus?
}
