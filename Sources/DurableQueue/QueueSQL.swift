import Foundation
import SQLDatabase

/// The queue's SQL, one text for both backends. The state machine lives here: each change to a running
/// job is guarded by its lease token, so an attempt that lost its lease changes nothing.
struct QueueSQL: Sendable {
    let dialect: SQLDialect

    /// PostgreSQL locks the rows it claims and skips those another worker locked; SQLite's
    /// `BEGIN IMMEDIATE` already makes the whole claim one writer's.
    private var skipLocked: String { dialect == .postgres ? Self.forUpdateSkipLocked : "" }
    private static let forUpdateSkipLocked = " FOR UPDATE SKIP LOCKED"

    /// The queue's tables. Version 1's statements are idempotent: databases made before migrations were
    /// recorded take it without harm.
    var migrations: [Migration] {
        [
            Migration(version: 1, statements: schema),
            // Every update of a job wrote to it, for listings only: they sort what they read instead.
            Migration(version: 2, statements: ["DROP INDEX IF EXISTS jobs_created"]),
        ]
    }

    private var schema: [String] {
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
        ] + (dialect == .sqlite ? [Self.leaseTokenIndex] : [])
    }

    /// SQLite records a claim's attempts from the rows holding its token (PostgreSQL from the claim's own rows).
    private static let leaseTokenIndex =
        "CREATE INDEX IF NOT EXISTS jobs_lease_token ON jobs (lease_token) WHERE lease_token IS NOT NULL"

    // MARK: Enqueue

    /// Inserts unless a queued job has the same unique key, which then runs at the earlier of the two times
    /// (or, debounced, at the new time but no later than `debounce` after it was queued); returns the row
    /// inserted or kept.
    func insert(_ job: NewJob, id: String, now: Date) -> SQLStatement {
        let now = Microseconds.from(now)
        var arguments: [SQLValue] = [
            .text(id), .text(job.kind), .text(job.arguments), .text(job.summary), .integer(Int64(job.priority)),
            .integer(Int64(max(1, job.maxAttempts))), .integer(job.runAt.map(Microseconds.from) ?? now),
            .text(job.uniqueKey), .integer(now),
        ]
        let runAt: String
        if let debounce = job.debounce {
            runAt = "CASE WHEN excluded.run_at < jobs.created + ? THEN excluded.run_at ELSE jobs.created + ? END"
            arguments += [.integer(Microseconds.from(debounce)), .integer(Microseconds.from(debounce))]
        } else {
            runAt = "CASE WHEN excluded.run_at < jobs.run_at THEN excluded.run_at ELSE jobs.run_at END"
        }
        return SQLStatement(
            """
            INSERT INTO jobs (id, kind, arguments, summary, priority, state, attempt, max_attempts, run_at,
                unique_key, created)
            VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?)
            ON CONFLICT (unique_key) WHERE state = 'queued' DO UPDATE SET run_at = \(runAt)
            RETURNING *
            """,
            arguments
        )
    }

    /// Wakes idle workers on other machines (PostgreSQL's NOTIFY, sent when the transaction commits).
    func wake(kind: String) -> SQLStatement? {
        dialect == .postgres ? SQLStatement("SELECT pg_notify('\(QueueSQL.channel)', ?)", [.text(kind)]) : nil
    }

    static let channel = "drivesync_jobs"

    // MARK: Claim

    /// Takes up to `limit` ready jobs, best first, under one token for this batch (a lease is the job
    /// and the token, so each attempt's lease is its own), and starts their attempts. The first
    /// statement's rows are the claimed jobs.
    func claim(
        worker: String,
        kinds: Set<String>?,
        limit: Int,
        token: String,
        lease: Duration,
        now: Date
    ) throws -> [SQLStatement] {
        let now = Microseconds.from(now)
        let kindList = kinds.map { $0.sorted() } ?? []
        let leaseValues: [SQLValue] = [
            .text(worker), .text(token), .integer(now + Microseconds.from(lease)), .integer(now), .integer(now),
        ]
        switch dialect {
        case .postgres:
            let kindValues: [SQLValue] = kinds == nil ? [] : [.text(try Self.json(kindList))]
            let values = leaseValues + kindValues + [.integer(Int64(limit)), .integer(now)]
            return [
                kinds == nil
                    ? SQLStatement(prepared: PostgresClaim.self, values)
                    : SQLStatement(prepared: PostgresClaimOfKinds.self, values)
            ]
        case .sqlite:
            let kindFilter = kinds == nil ? "" : " AND kind IN (\(placeholders(kindList.count)))"
            return [
                SQLStatement(
                    Self.claimJobs(kindFilter: kindFilter, dialect: .sqlite),
                    leaseValues + kindList.map { .text($0) } + [.integer(Int64(limit))]
                ),
                SQLStatement("\(Self.startAttempts) jobs WHERE lease_token = ?", [.integer(now), .text(token)]),
            ]
        }
    }

    /// Marks the ready jobs running under a lease; its rows are the claimed jobs. On PostgreSQL the ready
    /// jobs are an array computed first, so the update finds them by id whatever the plan guesses of
    /// `LIMIT ?` (a prepared statement's generic plan takes it for a tenth of the table, and would hash
    /// all of it for `id IN (…)`).
    static func claimJobs(kindFilter: String, dialect: SQLDialect) -> String {
        let ready = """
            SELECT id FROM jobs
                WHERE state IN ('queued', 'failed') AND run_at <= ?\(kindFilter)
                ORDER BY priority DESC, run_at, created, id
                LIMIT ?
            """
        return """
            UPDATE jobs SET state = 'running', attempt = attempt + 1, worker = ?, lease_token = ?,
                lease_expires = ?, started = COALESCE(started, ?), progress = NULL
            WHERE \(dialect == .postgres ? "id = ANY(ARRAY(\(ready)\(forUpdateSkipLocked)))" : "id IN (\(ready))")
            RETURNING *
            """
    }

    /// Starts the attempts of the claimed jobs (the rows of the table or subquery that follows).
    static let startAttempts = """
        INSERT INTO job_attempts (job_id, attempt, worker, token, started, outcome)
        SELECT id, attempt, worker, lease_token, ?, 'running' FROM
        """

    /// A claim on PostgreSQL: one statement whose parts share a snapshot, so the attempts come from the
    /// claim's own rows.
    static func postgresClaim(kindFilter: String) -> String {
        """
        WITH claimed AS (\(claimJobs(kindFilter: kindFilter, dialect: .postgres))),
        started AS (\(startAttempts) claimed)
        SELECT * FROM claimed
        """
    }

    enum PostgresClaim: PreparedSQL {
        static let sql = QueueSQL.postgresClaim(kindFilter: "")
    }

    /// The kinds are one JSON array, so the text is the same for any number of them.
    enum PostgresClaimOfKinds: PreparedSQL {
        static let sql = QueueSQL.postgresClaim(kindFilter: " AND kind IN (SELECT jsonb_array_elements_text(?::jsonb))")
    }

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    /// Statements that make one change: on PostgreSQL one data-modifying statement (one round trip instead
    /// of a transaction's four); elsewhere nil, and they run in a transaction. Its rows are the first's.
    func combined(_ statements: [SQLStatement]) -> SQLStatement? {
        if statements.count == 1 { return statements[0] }
        guard dialect == .postgres, !statements.isEmpty else { return nil }
        let steps = statements.enumerated().map { "step\($0.offset) AS (\($0.element.sql))" }
        return SQLStatement(
            "WITH \(steps.joined(separator: ", ")) SELECT * FROM step0",
            statements.flatMap(\.values)
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

    /// Ends the attempt in `state`: the job's change (its rows are the job's id when the lease was still
    /// held), then the attempt's.
    func finish(
        _ lease: JobLease,
        state: JobState,
        outcome: JobAttempt.Outcome,
        now: Date,
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
                UPDATE jobs SET state = ?, last_error = COALESCE(?, last_error),
                    run_at = COALESCE(?, run_at), finished = ?, max_attempts = max_attempts + ?,
                    lease_token = NULL, lease_expires = NULL
                WHERE id = ? AND lease_token = ? AND state = 'running'
                RETURNING id
                """,
                [
                    .text(state.rawValue), .text(error), .integer(runAt.map(Microseconds.from)),
                    .integer(final), .integer(extra), .text(lease.jobID), .text(lease.token),
                ]
            ),
            endAttempts([lease], outcome: outcome, error: error, now: now),
        ]
    }

    /// Records successes, each with its result and last progress: the jobs' change (its rows are the ids
    /// and attempts of the jobs whose leases were still held), then their attempts'.
    func succeed(_ completions: [JobCompletion], now: Date) throws -> [SQLStatement] {
        let now = Microseconds.from(now)
        switch dialect {
        case .postgres:
            let done = completions.map {
                Done(id: $0.lease.jobID, token: $0.lease.token, result: $0.result, progress: $0.progress)
            }
            return [
                SQLStatement(
                    prepared: PostgresSucceed.self,
                    [.text(try Self.json(done)), .integer(now), .integer(now)]
                )
            ]
        case .sqlite:
            let rows = Array(repeating: "(?, ?, ?, ?)", count: completions.count).joined(separator: ", ")
            return [
                SQLStatement(
                    "WITH done (id, token, result, progress) AS (VALUES \(rows)) \(Self.succeedJobs(.sqlite))",
                    completions.flatMap { completion -> [SQLValue] in
                        [
                            .text(completion.lease.jobID), .text(completion.lease.token), .text(completion.result),
                            .text(completion.progress),
                        ]
                    } + [.integer(now)]
                ),
                endAttempts(completions.map(\.lease), outcome: .succeeded, error: nil, now: now),
            ]
        }
    }

    /// One completion as the JSON PostgreSQL's statement reads.
    private struct Done: Encodable {
        var id: String
        var token: String
        var result: String?
        var progress: String?
    }

    /// Succeeds the jobs in `done` whose leases are still held. A job has a lease token only while it
    /// runs, so the token alone says so. On PostgreSQL the ids are also an array computed first, so the
    /// jobs are looked up by id whatever the plan guesses (without statistics it would scan the table;
    /// with a condition on `state`, every running job through `jobs_leases`).
    private static func succeedJobs(_ dialect: SQLDialect) -> String {
        """
        UPDATE jobs SET state = 'succeeded', result = COALESCE(done.result, jobs.result),
            progress = COALESCE(done.progress, jobs.progress), finished = ?,
            lease_token = NULL, lease_expires = NULL
        FROM done
        WHERE \(dialect == .postgres ? "jobs.id = ANY(ARRAY(SELECT id FROM done)) AND " : "")jobs.id = done.id
            AND jobs.lease_token = done.token
        RETURNING jobs.id, jobs.attempt
        """
    }

    /// Successes on PostgreSQL: the completions are one JSON parameter; the attempts ended are those of
    /// the jobs the statement succeeded.
    enum PostgresSucceed: PreparedSQL {
        static let sql = """
            WITH done AS (
                SELECT * FROM jsonb_to_recordset(?::jsonb) AS done (id text, token text, result text, progress text)),
            succeeded AS (\(succeedJobs(.postgres))),
            ended AS (
                UPDATE job_attempts SET ended = ?, outcome = 'succeeded', error = NULL
                FROM succeeded
                WHERE job_attempts.job_id = succeeded.id AND job_attempts.attempt = succeeded.attempt
                    AND job_attempts.outcome = 'running')
            SELECT * FROM succeeded
            """
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

    /// Ends the attempts that still run under `leases` (an attempt runs exactly while its job holds the
    /// lease, so this changes the attempts whose jobs the statement before it changed). Matching the whole
    /// primary key keeps PostgreSQL on the index even before it has statistics.
    func endAttempts(_ leases: [JobLease], outcome: JobAttempt.Outcome, error: String?, now: Int64) -> SQLStatement {
        SQLStatement(
            """
            UPDATE job_attempts SET ended = ?, outcome = ?, error = ?
            WHERE outcome = 'running' AND (job_id, attempt, token) IN (VALUES \(
                Array(repeating: "(?, ?, ?)", count: leases.count).joined(separator: ", ")))
            """,
            [.integer(now), .text(outcome.rawValue), .text(error)]
                + leases.flatMap { [SQLValue.text($0.jobID), .integer(Int64($0.attempt)), .text($0.token)] }
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
            endAttempts(
                [JobLease(jobID: job.id, token: token, attempt: job.attempt)],
                outcome: .lost,
                error: error,
                now: now
            ),
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

    /// When the soonest queued or failed job of `kinds` is to run.
    func nextRunAt(kinds: Set<String>?) -> SQLStatement {
        let kindList = kinds.map { $0.sorted() } ?? []
        let kindFilter = kinds == nil ? "" : " AND kind IN (\(placeholders(kindList.count)))"
        return SQLStatement(
            "SELECT MIN(run_at) AS run_at FROM jobs WHERE state IN ('queued', 'failed')\(kindFilter)",
            kindList.map { .text($0) }
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
