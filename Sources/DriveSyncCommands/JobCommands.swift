import ArgumentParser
import DriveSyncKit
import Foundation

/// `drivesync worker`: runs queued jobs from the service's database, on this machine.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract:
            "Run queued jobs (sync, copy, pull, backup-push, check, apply-changes, probe) from the service's database.",
        discussion: """
            Any number of workers on any number of machines can share one PostgreSQL database
            (--database postgres://USER@HOST:PORT/DB, or DRIVESYNC_DATABASE, or [service] database); each
            claims ready jobs, holds them under a lease it renews, and a job whose worker dies runs again
            elsewhere once its lease expires. SIGTERM lets running jobs finish (or give themselves back) within
            [service] shutdown_grace. The password comes from PGPASSWORD or ?password_file=PATH (mode 600).

            Examples:
              drivesync worker --database postgres://drivesync@db.internal/drivesync --concurrency 4
              drivesync worker --kinds pull,check
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The service's database URL (default: DRIVESYNC_DATABASE, [service] database, or SQLite here).")
    var database: String?

    @Option(help: "Jobs run at once (1 to 64).")
    var concurrency = 2

    @Option(help: "Only these kinds, comma-separated (default: every kind).")
    var kinds: String?

    func validate() throws {
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency is from 1 to 64") }
    }

    func run() async throws {
        try await reportingErrors {
            let driveSync = try global.driveSync()
            let kinds = kinds.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
            try await driveSync.runWorkers(database: database, concurrency: concurrency, kinds: kinds) { jobs in
                printNote(
                    "worker \(jobs.workers?.workerID ?? "") running \(concurrency) at a time from \(jobs.database.location)"
                )
            }
        }
    }
}

/// `drivesync jobs`: the job queue, as an operator looks at it.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List, show, retry, cancel and prune queued jobs.",
        subcommands: [List.self, Show.self, Retry.self, Cancel.self, Prune.self]
    )

    struct DatabaseOption: ParsableArguments {
        @Option(help: "The service's database URL (default: DRIVESYNC_DATABASE, [service] database, or SQLite here).")
        var database: String?
    }

    /// Opens the service's database for one command, closing it after.
    static func withJobs<T>(
        _ global: GlobalOptions,
        _ database: DatabaseOption,
        _ body: (DriveJobs) async throws -> T
    ) async throws -> T {
        try await reportingErrors {
            let jobs = try await global.driveSync().openJobs(database: database.database)
            do {
                let value = try await body(jobs)
                await jobs.close()
                return value
            } catch {
                await jobs.close()
                throw error
            }
        }
    }

    static func line(_ job: JobStatus) -> String {
        [job.id, job.state.rawValue, job.kind, "\(job.attempt)/\(job.maxAttempts)", job.created, job.summary]
            .joined(separator: "\t")
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest jobs first: id, state, kind, attempts.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var database: DatabaseOption
        @Option(help: "Only jobs in this state (queued, running, succeeded, failed, dead, cancelled).")
        var state: String?
        @Option(help: "Only jobs of this kind.") var kind: String?
        @Option(help: "How many at most.") var limit = 100
        @Flag(help: "One JSON object per line.") var json = false

        func run() async throws {
            let states = try state.map { name -> Set<JobState> in
                guard let state = JobState(rawValue: name) else {
                    throw ValidationError(
                        "--state is one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                return [state]
            }
            let filter = JobFilter(states: states, kinds: kind.map { [$0] }, limit: max(1, limit))
            let jobs = try await JobsCommand.withJobs(global, database) { try await $0.list(filter) }
            for job in jobs { print(json ? try JobsCommand.json(job) : JobsCommand.line(job)) }
            if jobs.isEmpty, !json { printNote("No jobs.") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One job as JSON, with its attempts.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var database: DatabaseOption
        @Argument(help: "The job's id.") var id: String

        struct Shown: Encodable {
            var job: JobStatus
            var attempts: [JobAttempt]
        }

        func run() async throws {
            let shown = try await JobsCommand.withJobs(global, database) { jobs -> Shown? in
                guard let job = try await jobs.status(of: id) else { return nil }
                return Shown(job: job, attempts: try await jobs.attempts(of: id))
            }
            guard let shown else { throw noSuchJob(id) }
            print(try JobsCommand.json(shown))
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a dead, failed or cancelled job again, with as many attempts again."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var database: DatabaseOption
        @Argument(help: "The job's id.") var id: String

        func run() async throws {
            guard let job = try await JobsCommand.withJobs(global, database, { try await $0.retry(id) }) else {
                throw noSuchJob(id)
            }
            print(JobsCommand.line(job))
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a queued job, or stop a running one (its worker stops between files)."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var database: DatabaseOption
        @Argument(help: "The job's id.") var id: String

        func run() async throws {
            guard let job = try await JobsCommand.withJobs(global, database, { try await $0.cancel(id) }) else {
                throw noSuchJob(id)
            }
            print(JobsCommand.line(job))
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove finished jobs older than [service] job_retention (7 days by default)."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let removed = try await JobsCommand.withJobs(global, database) { try await $0.prune() }
            print("Removed \(removed) finished job(s).")
        }
    }
}

private func noSuchJob(_ id: String) -> DriveSyncError {
    DriveSyncError(.invalidArgument, "no job '\(id)'; list them with drivesync jobs list")
}
