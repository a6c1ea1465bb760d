public import Foundation
public import SQLDatabase

/// The queue on a SQL database: the state machine of `QueueSQL`, run in one transaction per change on
/// either backend. Time comes from `now`, so tests move leases and retries forward without sleeping.
public struct SQLQueueStore: QueueStore {
    public let backend: any SQLBackend
    let sql: QueueSQL
    private let now: @Sendable () -> Date

    init(backend: any SQLBackend, now: @escaping @Sendable () -> Date) {
        self.backend = backend
        self.sql = QueueSQL(dialect: backend.dialect)
        self.now = now
    }

    public func migrate() async throws {
        try await backend.migrate("queue", sql.migrations)
    }

    public func enqueue(_ jobs: [NewJob]) async throws -> [QueuedJob] {
        for job in jobs {
            guard !job.kind.isEmpty else { throw QueueError.invalid("a job needs a kind") }
        }
        return try await backend.transaction { connection in
            var queued: [QueuedJob] = []
            for job in jobs {
                guard let row = try await connection.run(sql.insert(job, id: JobID.make(), now: now())).first else {
                    throw QueueError.invalid("the database returned no row for the job it queued")
                }
                queued.append(try sql.job(from: row))
            }
            for kind in Set(jobs.map(\.kind)) {
                if let wake = sql.wake(kind: kind) { try await connection.run(wake) }
            }
            return queued
        }
    }

    public func claim(worker: String, kinds: Set<String>?, limit: Int, lease: Duration) async throws -> [ClaimedJob] {
        guard limit > 0, kinds?.isEmpty != true else { return [] }
        let token = JobID.token()
        let claim = try sql.claim(worker: worker, kinds: kinds, limit: limit, token: token, lease: lease, now: now())
        return try await apply(claim)
            .map { try sql.job(from: $0) }
            .sorted { a, b in
                a.priority != b.priority
                    ? a.priority > b.priority : (a.runAt, a.created, a.id) < (b.runAt, b.created, b.id)
            }
            .map { ClaimedJob(job: $0, lease: JobLease(jobID: $0.id, token: token, attempt: $0.attempt)) }
    }

    public func heartbeat(_ lease: JobLease, extendBy: Duration, progress: String?) async throws -> HeartbeatAnswer {
        let until = now().addingTimeInterval(Microseconds.seconds(extendBy))
        let rows = try await backend.write(sql.heartbeat(lease, until: until, progress: progress))
        guard let row = rows.first else { throw QueueError.leaseLost(jobID: lease.jobID, attempt: lease.attempt) }
        return row.integer("cancel_requested") == 1 ? .cancelRequested : .held
    }

    public func complete(_ lease: JobLease, result: String?, progress: String?) async throws {
        let lost = try await complete([JobCompletion(lease: lease, result: result, progress: progress)])
        if !lost.isEmpty { throw QueueError.leaseLost(jobID: lease.jobID, attempt: lease.attempt) }
    }

    public func complete(_ completions: [JobCompletion]) async throws -> [JobLease] {
        guard !completions.isEmpty else { return [] }
        // A job can be in a batch twice, once under a lease it lost: an attempt tells them apart.
        let recorded = Set(
            try await apply(sql.succeed(completions, now: now())).map {
                "\($0.text("id") ?? "") \($0.integer("attempt") ?? 0)"
            }
        )
        return completions.map(\.lease).filter { !recorded.contains("\($0.jobID) \($0.attempt)") }
    }

    public func fail(_ lease: JobLease, error: String, retryIn: Duration?) async throws {
        let time = now()
        let statements = sql.finish(
            lease,
            state: retryIn == nil ? .dead : .failed,
            outcome: .failed,
            now: time,
            error: error,
            runAt: retryIn.map { time.addingTimeInterval(Microseconds.seconds($0)) }
        )
        try await end(statements, lease)
    }

    public func release(_ lease: JobLease) async throws {
        let time = now()
        let statements = sql.finish(lease, state: .queued, outcome: .released, now: time, runAt: time)
        try await backend.transaction { connection in
            if try await connection.run(sql.supersede(lease, now: time)).isEmpty {
                guard try await !connection.run(statements[0]).isEmpty else {
                    throw QueueError.leaseLost(jobID: lease.jobID, attempt: lease.attempt)
                }
                if let wake = sql.wake(kind: "released") { try await connection.run(wake) }
            }
            try await connection.run(statements[1])
        }
    }

    public func acknowledgeCancel(_ lease: JobLease) async throws {
        try await end(sql.finish(lease, state: .cancelled, outcome: .cancelled, now: now()), lease)
    }

    /// Runs an attempt's ending statements; nothing changes when the lease was lost.
    private func end(_ statements: [SQLStatement], _ lease: JobLease) async throws {
        guard try await !apply(statements).isEmpty else {
            throw QueueError.leaseLost(jobID: lease.jobID, attempt: lease.attempt)
        }
    }

    /// Runs statements as one change and returns the first one's rows: a single statement where the
    /// dialect can combine them, a transaction otherwise.
    private func apply(_ statements: [SQLStatement]) async throws -> [SQLRow] {
        if let statement = sql.combined(statements) { return try await backend.write(statement) }
        return try await backend.transaction { connection in
            let rows = try await connection.run(statements[0])
            for statement in statements.dropFirst() { try await connection.run(statement) }
            return rows
        }
    }

    public func rescueExpired(backoff: @Sendable (Int) -> Duration) async throws -> [QueuedJob] {
        let time = now()
        return try await backend.transaction { connection in
            var rescued: [QueuedJob] = []
            for row in try await connection.run(sql.expiredLeases(now: time)) {
                let job = try sql.job(from: row)
                guard let token = row.text("lease_token") else { continue }
                let retryAt = time.addingTimeInterval(Microseconds.seconds(backoff(job.attempt)))
                for statement in sql.rescue(job, token: token, retryAt: retryAt, now: time) {
                    try await connection.run(statement)
                }
                rescued.append(job)
            }
            return rescued
        }
    }

    public func cancel(_ id: String) async throws -> QueuedJob? {
        try await backend.transaction { connection in
            try await connection.run(sql.cancel(id, now: now()))
            return try await connection.run(sql.job(id)).first.map { try sql.job(from: $0) }
        }
    }

    public func retry(_ id: String) async throws -> QueuedJob? {
        try await backend.transaction { connection in
            try await connection.run(sql.retry(id, now: now()))
            return try await connection.run(sql.job(id)).first.map { try sql.job(from: $0) }
        }
    }

    public func job(_ id: String) async throws -> QueuedJob? {
        try await backend.read(sql.job(id)).first.map { try sql.job(from: $0) }
    }

    public func attempts(of id: String) async throws -> [JobAttempt] {
        try await backend.read(sql.attempts(of: id)).map(sql.attempt(from:))
    }

    public func list(_ filter: JobFilter) async throws -> [QueuedJob] {
        try await backend.read(sql.list(filter)).map { try sql.job(from: $0) }
    }

    public func depth() async throws -> [QueueDepth] {
        try await backend.read(sql.depth).compactMap(sql.depth(from:))
    }

    public func untilNextRun(kinds: Set<String>?) async throws -> Duration? {
        guard let runAt = try await backend.read(sql.nextRunAt(kinds: kinds)).first?.integer("run_at") else {
            return nil
        }
        return .microseconds(max(0, runAt - Microseconds.from(now())))
    }

    public func prune(olderThan age: Duration) async throws -> Int {
        let cutoff = now().addingTimeInterval(-Microseconds.seconds(age))
        return try await backend.transaction { connection in
            try await connection.run(sql.prune(before: cutoff)).count
        }
    }

    public func ping() async throws {
        _ = try await backend.read(SQLStatement("SELECT 1 AS one"))
    }

    public func close() async { await backend.close() }
}
