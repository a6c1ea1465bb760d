import Foundation

/// A value bound to a statement, the same for both backends.
enum SQLValue: Sendable, Hashable {
    case text(String?)
    case integer(Int64?)
}

/// A statement with `?` placeholders and its values; PostgreSQL's backend numbers the placeholders.
struct SQLStatement: Sendable {
    var sql: String
    var values: [SQLValue]

    init(_ sql: String, _ values: [SQLValue] = []) {
        self.sql = sql
        self.values = values
    }
}

/// One result row by column name, copied out of the backend's own row type.
struct SQLRow: Sendable {
    var columns: [String: SQLValue]

    func text(_ column: String) -> String? {
        if case .text(let value) = columns[column] { return value }
        return nil
    }

    func integer(_ column: String) -> Int64? {
        if case .integer(let value) = columns[column] { return value }
        return nil
    }
}

/// A backend's connection inside a transaction.
protocol SQLConnection {
    /// Runs one statement; the rows it returns (a SELECT's, or RETURNING's).
    @discardableResult
    func run(_ statement: SQLStatement) async throws -> [SQLRow]
}

/// A database the queue can use: transactions that take the write lock at once, and plain reads.
protocol SQLBackend: Sendable {
    var dialect: QueueSQL.Dialect { get }
    func transaction<T: Sendable>(_ body: (any SQLConnection) async throws -> T) async throws -> T
    func read(_ statement: SQLStatement) async throws -> [SQLRow]
    func close() async
}

/// The queue's SQL, one text for both backends. The state machine lives here: each change to a running
/// job is guarded by its lease token, so an attempt that lost its lease changes nothing.
struct QueueSQL: Sendable {
    enum Dialect: Sendable { case sqlite, postgres }

    let dialect: Dialect

    /// PostgreSQL locks the rows it claims and skips those another worker locked; SQLite's
    /// `BEGIN IMMEDIATE` already makes the whole claim one writer's.
    private var skipLocked: String { dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : "" }

    /// Processes starting together migrate one at a time (PostgreSQL's `CREATE … IF NOT EXISTS` races
    /// otherwise); SQLite's `BEGIN IMMEDIATE` already does.
    var migrationLock: SQLStatement? {
        dialect == .postgres ? SQLStatement("SELECT pg_advisory_xact_lock(7341298563120)") : nil
    }

    var schema: [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS jobs (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                arguments TEXT NOT NULL,
                summary TEXT NOT NULL,
                priority BIGINT NOT NULL,
                state TEXT NOT NULL,
                attempt BIGINT NOT NULL,
                max_attempts BIGINT NOT NULL,
                run_at BIGINT NOT NULL,
                unique_key TEXT,
                worker TEXT,
                lease_token TEXT,
                lease_expires BIGINT,
                cancel_requested BIGINT NOT NULL DEFAULT 0,
                last_error TEXT,
                result TEXT,
                progress TEXT,
                created BIGINT NOT NULL,
                started BIGINT,
                finished BIGINT
            )
            """,
            "CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (priority DESC, run_at, created) WHERE state IN ('queued', 'failed')",
            "CREATE INDEX IF NOT EXISTS jobs_leases ON jobs (lease_expires) WHERE state = 'running'",
            "CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (finished) WHERE state IN ('succeeded', 'dead', 'cancelled')",
            "CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created)",
            "CREATE UNIQUE INDEX IF NOT EXISTS jobs_unique_queued ON jobs (unique_key) WHERE state = 'queued'",
            """
            CREATE TABLE IF NOT EXISTS job_attempts (
                job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                attempt BIGINT NOT NULL,
                worker TEXT NOT NULL,
                token TEXT NOT NULL,
                started BIGINT NOT NULL,
                ended BIGINT,
                outcome TEXT NOT NULL,
                error TEXT,
                PRIMARY KEY (job_id, attempt)
            )
            """,
        ]
    }

    // MARK: Enqueue

    /// Inserts unless a queued job has the same unique key; returns the row when it inserted.
    func insert(_ job: NewJob, id: String, now: Date) -> SQLStatement {
        let now = Microseconds.from(now)
        return SQLStatement(
            """
            INSERT INTO jobs (id, kind, arguments, summary, priority, state, attempt, max_attempts, run_at,
                unique_key, created)
            VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?)
            ON CONFLICT (unique_key) WHERE state = 'queued' DO NOTHING
            RETURNING *
            """,
            [
                .text(id), .text(job.kind), .text(job.arguments), .text(job.summary), .integer(Int64(job.priority)),
                .integer(Int64(max(1, job.maxAttempts))), .integer(job.runAt.map(Microseconds.from) ?? now),
                .text(job.uniqueKey), .integer(now),
            ]
        )
    }

    /// Wakes idle workers on other machines (PostgreSQL's NOTIFY, sent when the transaction commits).
    func wake(kind: String) -> SQLStatement? {
        dialect == .postgres ? SQLStatement("SELECT pg_notify('\(QueueSQL.channel)', ?)", [.text(kind)]) : nil
    }

    static let channel = "drivesync_jobs"

    func queued(uniqueKey: String) -> SQLStatement {
        SQLStatement("SELECT * FROM jobs WHERE unique_key = ? AND state = 'queued'", [.text(uniqueKey)])
    }

    // MARK: Claim

    /// Takes up to `limit` ready jobs, best first, under one token for this batch (a lease is the job
    /// and the token, so each attempt's lease is its own).
    func claim(
        worker: String,
        kinds: Set<String>?,
        limit: Int,
        token: String,
        lease: Duration,
        now: Date
    )
        -> SQLStatement
    {
        let now = Microseconds.from(now)
        let kindList = kinds.map { $0.sorted() } ?? []
        let kindFilter = kinds == nil ? "" : " AND kind IN (\(placeholders(kindList.count)))"
        return SQLStatement(
            """
            UPDATE jobs SET state = 'running', attempt = attempt + 1, worker = ?, lease_token = ?,
                lease_expires = ?, started = COALESCE(started, ?), progress = NULL
            WHERE id IN (
                SELECT id FROM jobs
                WHERE state IN ('queued', 'failed') AND run_at <= ?\(kindFilter)
                ORDER BY priority DESC, run_at, created, id
                LIMIT ?\(skipLocked))
            RETURNING *
            """,
            [.text(worker), .text(token), .integer(now + Microseconds.from(lease)), .integer(now), .integer(now)]
                + kindList.map { .text($0) } + [.integer(Int64(limit))]
        )
    }

    /// The attempts a claim started, one row each.
    func startAttempts(_ jobs: [QueuedJob], worker: String, token: String, now: Date) -> SQLStatement {
        SQLStatement(
            "INSERT INTO job_attempts (job_id, attempt, worker, token, started, outcome) VALUES "
                + Array(repeating: "(?, ?, ?, ?, ?, 'running')", count: jobs.count).joined(separator: ", "),
            jobs.flatMap { job -> [SQLValue] in
                [
                    .text(job.id), .integer(Int64(job.attempt)), .text(worker), .text(token),
                    .integer(Microseconds.from(now)),
                ]
            }
        )
    }

    // MARK: A running attempt

    func heartbeat(_ lease: JobLease, until: Date, progress: String?) -> SQLStatement {
        SQLStatement(
            """
            UPDATE jobs SET lease_expires = ?, progress = COALESCE(?, progress)
            WHERE id = ? AND lease_token = ? AND state = 'running'
            RETURNING cancel_requested
            """,
            [.integer(Microseconds.from(until)), .text(progress), .text(lease.jobID), .text(lease.token)]
        )
    }

    /// Ends the attempt in `state`; returns the job's row only when the lease was still held.
    func finish(
        _ lease: JobLease,
        state: JobState,
        outcome: JobAttempt.Outcome,
        now: Date,
        result: String? = nil,
        progress: String? = nil,
        error: String? = nil,
        runAt: Date? = nil
    ) -> [SQLStatement] {
        let now = Microseconds.from(now)
        let final: Int64? = state.isFinal ? now : nil
        // A released attempt does not count against the job's attempts.
        let extra: Int64 = outcome == .released ? 1 : 0
        return [
            SQLStatement(
                """
                UPDATE jobs SET state = ?, result = COALESCE(?, result), progress = COALESCE(?, progress),
                    last_error = COALESCE(?, last_error),
                    run_at = COALESCE(?, run_at), finished = ?, max_attempts = max_attempts + ?,
                    lease_token = NULL, lease_expires = NULL
                WHERE id = ? AND lease_token = ? AND state = 'running'
                RETURNING id
                """,
                [
                    .text(state.rawValue), .text(result), .text(progress), .text(error),
                    .integer(runAt.map(Microseconds.from)),
                    .integer(final), .integer(extra), .text(lease.jobID), .text(lease.token),
                ]
            ),
            endAttempt(jobID: lease.jobID, attempt: lease.attempt, outcome: outcome, error: error, now: now),
        ]
    }

    /// A job given back while an equal one is queued is covered by that one: it is cancelled instead
    /// (returns its row when so).
    func supersede(_ lease: JobLease, now: Date) -> SQLStatement {
        SQLStatement(
            """
            UPDATE jobs SET state = 'cancelled', finished = ?, last_error = 'an equal job is queued',
                lease_token = NULL, lease_expires = NULL
            WHERE id = ? AND lease_token = ? AND state = 'running' AND unique_key IS NOT NULL AND EXISTS (
                SELECT 1 FROM jobs AS other
                WHERE other.unique_key = jobs.unique_key AND other.state = 'queued' AND other.id <> jobs.id)
            RETURNING id
            """,
            [.integer(Microseconds.from(now)), .text(lease.jobID), .text(lease.token)]
        )
    }

    func endAttempt(
        jobID: String,
        attempt: Int,
        outcome: JobAttempt.Outcome,
        error: String?,
        now: Int64
    )
        -> SQLStatement
    {
        SQLStatement(
            "UPDATE job_attempts SET ended = ?, outcome = ?, error = ? WHERE job_id = ? AND attempt = ?",
            [.integer(now), .text(outcome.rawValue), .text(error), .text(jobID), .integer(Int64(attempt))]
        )
    }

    // MARK: Maintenance

    func expiredLeases(now: Date) -> SQLStatement {
        SQLStatement(
            "SELECT * FROM jobs WHERE state = 'running' AND lease_expires < ?\(skipLocked)",
            [.integer(Microseconds.from(now))]
        )
    }

    /// Returns a job whose worker vanished to the queue (or to `dead`, or `cancelled` when asked for).
    func rescue(_ job: QueuedJob, token: String, retryAt: Date, now: Date) -> [SQLStatement] {
        let state: JobState =
            job.cancelRequested ? .cancelled : job.attempt >= job.maxAttempts ? .dead : .failed
        let error = "worker \(job.worker ?? "?") stopped renewing its lease (attempt \(job.attempt))"
        let now = Microseconds.from(now)
        return [
            SQLStatement(
                """
                UPDATE jobs SET state = ?, run_at = ?, last_error = ?, finished = ?, lease_token = NULL,
                    lease_expires = NULL
                WHERE id = ? AND state = 'running' AND lease_token = ?
                """,
                [
                    .text(state.rawValue), .integer(Microseconds.from(retryAt)), .text(error),
                    .integer(state.isFinal ? now : nil), .text(job.id), .text(token),
                ]
            ),
            endAttempt(jobID: job.id, attempt: job.attempt, outcome: .lost, error: error, now: now),
        ]
    }

    func cancel(_ id: String, now: Date) -> SQLStatement {
        SQLStatement(
            """
            UPDATE jobs SET
                state = CASE WHEN state = 'running' THEN state ELSE 'cancelled' END,
                cancel_requested = CASE WHEN state = 'running' THEN 1 ELSE cancel_requested END,
                finished = CASE WHEN state = 'running' THEN finished ELSE ? END
            WHERE id = ? AND state IN ('queued', 'failed', 'running')
            """,
            [.integer(Microseconds.from(now)), .text(id)]
        )
    }

    func retry(_ id: String, now: Date) -> SQLStatement {
        SQLStatement(
            """
            UPDATE jobs SET state = 'queued', run_at = ?, max_attempts = attempt + max_attempts, finished = NULL,
                cancel_requested = 0
            WHERE id = ? AND state IN ('dead', 'cancelled', 'failed')
            """,
            [.integer(Microseconds.from(now)), .text(id)]
        )
    }

    func job(_ id: String) -> SQLStatement { SQLStatement("SELECT * FROM jobs WHERE id = ?", [.text(id)]) }

    func attempts(of id: String) -> SQLStatement {
        SQLStatement("SELECT * FROM job_attempts WHERE job_id = ? ORDER BY attempt", [.text(id)])
    }

    func list(_ filter: JobFilter) -> SQLStatement {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let states = filter.states?.map(\.rawValue).sorted() {
            conditions.append("state IN (\(placeholders(states.count)))")
            values += states.map { .text($0) }
        }
        if let kinds = filter.kinds?.sorted() {
            conditions.append("kind IN (\(placeholders(kinds.count)))")
            values += kinds.map { .text($0) }
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return SQLStatement(
            "SELECT * FROM jobs\(whereClause) ORDER BY created DESC, id DESC LIMIT ?",
            values + [.integer(Int64(max(0, filter.limit)))]
        )
    }

    var depth: SQLStatement { SQLStatement("SELECT kind, state, COUNT(*) AS count FROM jobs GROUP BY kind, state") }

    func prune(before cutoff: Date) -> SQLStatement {
        SQLStatement(
            "DELETE FROM jobs WHERE state IN ('succeeded', 'dead', 'cancelled') AND finished < ? RETURNING id",
            [.integer(Microseconds.from(cutoff))]
        )
    }

    // MARK: Rows

    func job(from row: SQLRow) throws -> QueuedJob {
        func required<T>(_ value: T?, _ column: String) throws -> T {
            guard let value else { throw QueueError.invalid("the jobs table has no \(column) in a row") }
            return value
        }
        return QueuedJob(
            id: try required(row.text("id"), "id"),
            kind: try required(row.text("kind"), "kind"),
            arguments: row.text("arguments") ?? "{}",
            summary: row.text("summary") ?? "",
            priority: Int(row.integer("priority") ?? 0),
            state: JobState(rawValue: row.text("state") ?? "") ?? .failed,
            attempt: Int(row.integer("attempt") ?? 0),
            maxAttempts: Int(row.integer("max_attempts") ?? 1),
            runAt: Microseconds.date(try required(row.integer("run_at"), "run_at")),
            uniqueKey: row.text("unique_key"),
            worker: row.text("worker"),
            leaseExpires: row.integer("lease_expires").map(Microseconds.date),
            cancelRequested: (row.integer("cancel_requested") ?? 0) != 0,
            lastError: row.text("last_error"),
            result: row.text("result"),
            progress: row.text("progress"),
            created: Microseconds.date(try required(row.integer("created"), "created")),
            started: row.integer("started").map(Microseconds.date),
            finished: row.integer("finished").map(Microseconds.date)
        )
    }

    func attempt(from row: SQLRow) -> JobAttempt {
        JobAttempt(
            attempt: Int(row.integer("attempt") ?? 0),
            worker: row.text("worker") ?? "",
            started: Microseconds.date(row.integer("started") ?? 0),
            ended: row.integer("ended").map(Microseconds.date),
            outcome: JobAttempt.Outcome(rawValue: row.text("outcome") ?? "") ?? .failed,
            error: row.text("error")
        )
    }

    func depth(from row: SQLRow) -> QueueDepth? {
        guard let kind = row.text("kind"), let state = JobState(rawValue: row.text("state") ?? "") else {
            return nil
        }
        return QueueDepth(kind: kind, state: state, count: Int(row.integer("count") ?? 0))
    }

    private func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}
