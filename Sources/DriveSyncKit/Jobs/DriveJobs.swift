public import DurableQueue
public import Foundation
import Metrics
public import ServiceLifecycle
import ServiceState
import UnixSignals

/// DriveSync's jobs on the durable queue: what the service's routes, `drivesync jobs` and
/// `drivesync worker` use. The queue lives in the service's database (SQLite here, or PostgreSQL shared by
/// every process); workers in any process run the jobs with `DriveSync.jobHandlers`.
public final class DriveJobs: JobQueue, Sendable {
    /// The database the jobs are in, with the rest of the service's shared state.
    public let service: ServiceDatabase
    /// DriveSync as the jobs run it: with the credentials the database shares.
    public let driveSync: DriveSync
    /// What the jobs and the service publish, kept in the same database.
    public let events: EventStream
    /// This process's workers, when it runs some (`serve --workers`, `worker`).
    public let workers: QueueWorkers?

    init(service: ServiceDatabase, driveSync: DriveSync, events: EventStream, workers: QueueWorkers?) {
        self.service = service
        self.driveSync = driveSync
        self.events = events
        self.workers = workers
    }

    public var database: JobDatabase { service.jobs }
    public var apiKeys: APIKeyStore { service.apiKeys }

    public var store: any QueueStore { database.store }

    public func submit(_ spec: JobSpec) async throws -> JobStatus {
        JobStatus(try await service.submit(spec, driveSync: driveSync, events: events))
    }

    public func status(of id: String) async throws -> JobStatus? {
        try await store.job(id).map(JobStatus.init)
    }

    public func list(limit: Int) async throws -> [JobStatus] {
        try await list(JobFilter(limit: limit))
    }

    public func list(_ filter: JobFilter) async throws -> [JobStatus] {
        try await store.list(filter).map(JobStatus.init)
    }

    public func cancel(_ id: String) async throws -> JobStatus? {
        guard let job = try await store.cancel(id) else { return nil }
        if job.state == .cancelled {
            await events.publish("job.finished", ["id": id, "kind": job.kind, "state": "cancelled"])
        }
        workers?.cancelLocally(id)
        return JobStatus(job)
    }

    public func health() async throws -> JobQueueHealth {
        try await store.ping()
        let depth = try await store.depth()
        func count(_ state: DurableQueue.JobState) -> Int {
            depth.filter { $0.state == state }.reduce(0) { $0 + $1.count }
        }
        return JobQueueHealth(
            database: database.location.description,
            queued: count(.queued) + count(.failed),
            running: count(.running),
            runningHere: workers?.runningJobs ?? 0
        )
    }

    /// Queues a dead, failed or cancelled job again.
    public func retry(_ id: String) async throws -> JobStatus? {
        let job = try await store.retry(id)
        database.signal.signal()
        return job.map(JobStatus.init)
    }

    public func attempts(of id: String) async throws -> [JobAttempt] { try await store.attempts(of: id) }

    /// Removes finished jobs older than the configured retention; returns how many.
    public func prune() async throws -> Int {
        try await store.prune(olderThan: driveSync.configuration.service.jobRetention)
    }

    /// What runs beside the service or worker process: the workers, and the wake-ups from PostgreSQL.
    public var services: [any Service] {
        [WakeupListener(database: database, events: events)] + (workers.map { [$0] } ?? [])
    }

    public func close() async { await service.close() }
}

/// Keeps the NOTIFY connection for as long as the process runs.
struct WakeupListener: Service {
    let database: JobDatabase
    let events: EventStream

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await database.listenForWakeups(also: [ServiceStateStore.eventChannel: events.signal])
        }
    }
}

extension DriveSync {
    /// Where the service's database is: `override` (`--database`), else `DRIVESYNC_DATABASE`, else the
    /// configuration's `[service] database`, else `service.sqlite` in the data folder.
    public func serviceDatabaseLocation(override: String? = nil) throws -> DatabaseLocation {
        let environment = ProcessInfo.processInfo.environment
        let text = override ?? environment["DRIVESYNC_DATABASE"] ?? configuration.service.database ?? "sqlite"
        do {
            return try DatabaseLocation(parsing: text, home: home, environment: environment)
        } catch {
            throw DriveSyncError(.invalidArgument, "\(error)")
        }
    }

    /// Opens the service's database and, with `workers` > 0, this process's workers (claiming `kinds`, or
    /// every kind DriveSync runs). Credentials are shared through the database (`sharingCredentials(in:)`).
    public func openJobs(
        database override: String? = nil,
        workers: Int = 0,
        kinds: Set<String>? = nil
    ) async throws -> DriveJobs {
        let service = try await openServiceDatabase(override, connections: max(4, workers + 2))
        do {
            return try sharingCredentials(in: service).openJobs(service: service, workers: workers, kinds: kinds)
        } catch {
            await service.close()
            throw error
        }
    }

    /// The jobs in an opened service database, with `workers` > 0 of this process's workers claiming
    /// `kinds` (or every kind DriveSync runs). Closing the jobs closes `service`.
    public func openJobs(service: ServiceDatabase, workers: Int = 0, kinds: Set<String>? = nil) throws -> DriveJobs {
        let database = service.jobs
        let targets = configuration.notify
        let logger = logger
        let events = EventStream(store: service.state, logger: logger) { event in
            do {
                try await service.queueNotifications(of: event, to: targets)
            } catch {
                logger.warning(
                    "the deliveries of an event were not queued",
                    metadata: ["event.id": "\(event.id)", "error": "\(error)"]
                )
            }
        }
        var queueWorkers: QueueWorkers?
        if workers > 0 {
            let handlers = jobHandlers(service: service, events: events)
            if let unknown = kinds?.subtracting(handlers.keys).sorted(), !unknown.isEmpty {
                throw DriveSyncError(
                    .invalidArgument,
                    "no job kind \(unknown.joined(separator: ", ")); the kinds are \(handlers.keys.sorted().joined(separator: ", "))"
                )
            }
            var settings = WorkerSettings()
            settings.concurrency = workers
            settings.kinds = kinds
            settings.retention = configuration.service.jobRetention
            settings.lease = configuration.service.jobLease
            settings.maintenance = min(settings.maintenance, configuration.service.jobLease / 2)
            let store = database.store
            queueWorkers = QueueWorkers(
                store: store,
                handlers: handlers,
                settings: settings,
                signal: database.signal,
                logger: logger
            ) { job, outcome in
                // Told once the store has the outcome, so a reader of the event finds the job as it says.
                guard ["succeeded", "failed", "dead", "cancelled"].contains(outcome),
                    let stored = try? await store.job(job.id)
                else { return }
                let status = JobStatus(stored)
                await events.publish(
                    outcome == "failed" ? "job.retrying" : "job.finished",
                    [
                        "id": job.id, "kind": job.kind, "state": status.state.rawValue,
                        "summary": status.result?.summary ?? status.error ?? "",
                    ]
                )
            }
        }
        return DriveJobs(service: service, driveSync: self, events: events, workers: queueWorkers)
    }
}

extension DriveSync {
    /// `drivesync worker`: runs `concurrency` workers against the service's database until SIGTERM or SIGINT,
    /// then lets running jobs finish (or give themselves back) within the configured grace.
    public func runWorkers(
        database override: String?,
        concurrency: Int,
        kinds: Set<String>?,
        onStarted: @Sendable (DriveJobs) -> Void = { _ in }
    ) async throws {
        let jobs = try await openJobs(database: override, workers: concurrency, kinds: kinds)
        var group = ServiceGroupConfiguration(
            services: jobs.services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        group.maximumGracefulShutdownDuration = configuration.service.shutdownGrace
        onStarted(jobs)
        do {
            try await ServiceGroup(configuration: group).run()
        } catch {
            await jobs.close()
            throw error
        }
        await jobs.close()
    }
}

extension ServiceDatabase {
    /// Queues `spec` once `driveSync` has checked it, and tells `events`.
    func submit(_ spec: JobSpec, driveSync: DriveSync, events: EventStream) async throws -> QueuedJob {
        let job = try await driveSync.prepare(spec)
        let arguments = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
        let queued = try await enqueue([
            NewJob(
                kind: job.kind.rawValue,
                arguments: arguments,
                summary: job.summary,
                priority: spec.priority ?? 0,
                maxAttempts: spec.maxAttempts ?? 3,
                uniqueKey: spec.uniqueKey
            )
        ])[0]
        await events.publish("job.queued", ["id": queued.id, "kind": queued.kind])
        return queued
    }
}
