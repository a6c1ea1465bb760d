public import DriveSyncCore
import Foundation
public import Logging
import Metrics
public import ServiceLifecycle
import Synchronization

/// One attempt of one job, as its handler sees it.
public struct JobExecution: Sendable {
    public let job: QueuedJob
    /// Set when the process shuts down or the job is cancelled: stop between units of work and return
    /// `.stopped`, keeping what completed.
    public let stop: StopRequest
    /// Records progress (JSON); the next heartbeat stores it.
    public let reportProgress: @Sendable (String) -> Void
}

/// What a handler did.
public enum JobReturn: Sendable, Hashable {
    /// Done; `result` (JSON) is kept with the job.
    case completed(result: String?)
    /// It stopped early because it was asked to; the job goes back to the queue (or is cancelled).
    case stopped
}

/// A failure no retry can fix (bad arguments, an unknown kind): the job is dead at once.
public struct PermanentJobFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The code that runs a kind of job. Handlers must be idempotent: the queue runs a job at least once.
public typealias JobHandler = @Sendable (JobExecution) async throws -> JobReturn

/// How workers claim and hold jobs.
public struct WorkerSettings: Sendable {
    public var concurrency = 2
    /// Kinds to run; all registered kinds when nil.
    public var kinds: Set<String>?
    public var lease = Duration.seconds(30)
    /// How often a running job's lease is extended: a third of the lease by default.
    public var heartbeat: Duration?
    /// Idle workers look for jobs this often even without a wake-up.
    public var poll = Duration.seconds(5)
    /// How many ready jobs one claim takes at most.
    public var batch = 10
    public var retry = RetryPolicy()
    /// Finished jobs are kept this long.
    public var retention = Duration.seconds(7 * 24 * 3600)
    /// Expired leases are rescued and old jobs pruned this often.
    public var maintenance = Duration.seconds(10)

    public init() {}
}

/// A process's workers: claim ready jobs (up to `concurrency` at a time), run them under heartbeated
/// leases, record what happened, and rescue jobs whose workers died. On a graceful shutdown they stop
/// claiming, ask running handlers to stop, and give back what did not finish so other workers go on.
/// `recorded` hears each attempt's outcome (succeeded, failed, dead, cancelled, released, lost) once
/// the store has it.
public final class QueueWorkers: Service, Sendable {
    private struct Running {
        let stop: StopRequest
        let task: Task<JobReturn, any Error>
        var cancelled = false
    }

    private struct State {
        var running: [String: Running] = [:]
        var stopping = false
    }

    public let workerID: String
    private let store: any QueueStore
    private let handlers: [String: JobHandler]
    private let settings: WorkerSettings
    private let signal: QueueSignal
    /// Wakes the maintenance loop when the process shuts down.
    private let maintenanceWake = QueueSignal()
    private let sleep: @Sendable (Duration) async throws -> Void
    private let logger: Logger
    private let recorded: @Sendable (QueuedJob, String) async -> Void
    private let state = Mutex(State())
    private let activeGauge = Gauge(label: "drivesync_queue_workers_active")
    fileprivate let publishedDepths = Mutex<Set<[String]>>([])

    public init(
        store: any QueueStore,
        handlers: [String: JobHandler],
        settings: WorkerSettings,
        signal: QueueSignal,
        workerID: String = QueueWorkers.defaultWorkerID(),
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger,
        recorded: @escaping @Sendable (_ job: QueuedJob, _ outcome: String) async -> Void = { _, _ in }
    ) {
        self.store = store
        self.handlers = handlers
        self.settings = settings
        self.signal = signal
        self.workerID = workerID
        self.sleep = { try await clock.sleep(for: $0) }
        self.logger = logger
        self.recorded = recorded
    }

    /// Host and process: unique enough to tell workers apart in listings. The host name is the kernel's
    /// (`gethostname`), never a DNS lookup.
    public static func defaultWorkerID() -> String {
        var name = [CChar](repeating: 0, count: 256)
        let host =
            gethostname(&name, name.count) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        return "\(host):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// The kinds this process claims.
    public var kinds: Set<String> { settings.kinds ?? Set(handlers.keys) }

    public var runningJobs: Int { state.withLock { $0.running.count } }

    /// Stops a job running here (its cancellation is already recorded in the store).
    public func cancelLocally(_ jobID: String) {
        let running = state.withLock { state -> Running? in
            state.running[jobID]?.cancelled = true
            return state.running[jobID]
        }
        running?.stop.request()
        running?.task.cancel()
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.maintain() }
                await claimLoop(group: &group)
            }
        } onGracefulShutdown: {
            let running = self.state.withLock { state in
                state.stopping = true
                return Array(state.running.values)
            }
            for job in running { job.stop.request() }
            self.signal.signal()
            self.maintenanceWake.signal()
        }
    }

    private var isStopping: Bool { state.withLock { $0.stopping } || Task.isCancelled }

    private func claimLoop(group: inout DiscardingTaskGroup) async {
        let kinds = kinds
        while !isStopping {
            let free = settings.concurrency - runningJobs
            let limit = min(free, settings.batch)
            var claimed: [ClaimedJob] = []
            if limit > 0 {
                do {
                    claimed = try await store.claim(worker: workerID, kinds: kinds, limit: limit, lease: settings.lease)
                } catch {
                    logger.warning("could not claim jobs", metadata: ["error": "\(error)"])
                }
            }
            for job in claimed {
                let started = start(job)
                group.addTask { await self.finish(job, started) }
            }
            // More may be ready only when the claim filled every slot it asked for and slots are left.
            if claimed.count < limit || runningJobs >= settings.concurrency || limit == 0 {
                await signal.wait(timeout: await idleWait(slotsFree: limit > 0), sleep: sleep)
            }
        }
    }

    /// How long to wait for a signal: the poll interval, or less when a job waiting for its time (a
    /// delayed or retried one, which no signal announces) is due sooner.
    private func idleWait(slotsFree: Bool) async -> Duration {
        guard slotsFree, let due = try? await store.untilNextRun(kinds: kinds) else { return settings.poll }
        return min(settings.poll, max(due, .milliseconds(10)))
    }

    private struct Started: Sendable {
        let stop: StopRequest
        let task: Task<JobReturn, any Error>
        let progress: ProgressSlot
    }

    private func start(_ claimed: ClaimedJob) -> Started {
        let job = claimed.job
        let stop = StopRequest()
        let progress = ProgressSlot()
        let handler = handlers[job.kind]
        let execution = JobExecution(job: job, stop: stop, reportProgress: progress.set)
        let task = Task {
            guard let handler else { throw PermanentJobFailure("no handler for jobs of kind \(job.kind)") }
            return try await handler(execution)
        }
        let count = state.withLock { state in
            state.running[job.id] = Running(stop: stop, task: task)
            if state.stopping { stop.request() }
            return state.running.count
        }
        activeGauge.record(count)
        Counter(label: "drivesync_job_attempts_total", dimensions: [("kind", job.kind)]).increment()
        Timer(label: "drivesync_job_start_latency_seconds", dimensions: [("kind", job.kind)])
            .recordSeconds(max(0, Date().timeIntervalSince(max(job.runAt, job.created))))
        return Started(stop: stop, task: task, progress: progress)
    }

    /// Heartbeats while the handler runs, then records its outcome.
    private func finish(_ claimed: ClaimedJob, _ started: Started) async {
        let (job, lease, task) = (claimed.job, claimed.lease, started.task)
        let startTime = ContinuousClock.now
        let lost = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.heartbeat(lease, progress: started.progress, task: task) }
            _ = await withTaskCancellationHandler {
                await task.result
            } onCancel: {
                task.cancel()
            }
            group.cancelAll()
            return await group.next() ?? false
        }
        let cancelled = state.withLock { state in
            let cancelled = state.running.removeValue(forKey: job.id)?.cancelled ?? false
            activeGauge.record(state.running.count)
            return cancelled
        }
        let outcome: String
        if lost {
            outcome = "lost"
            logger.warning(
                "a job's lease expired while it ran; its result is discarded and the job runs again",
                metadata: ["job.id": "\(job.id)", "job.attempt": "\(lease.attempt)"]
            )
        } else {
            // Recorded even when shutdown cancelled this task: the bookkeeping runs on its own.
            let result = await task.result
            let progress = started.progress.take()
            outcome = await Task {
                await self.record(result, job: job, lease: lease, progress: progress, cancelled: cancelled)
            }.value
        }
        Timer(label: "drivesync_job_duration_seconds", dimensions: [("kind", job.kind), ("outcome", outcome)])
            .record(duration: ContinuousClock.now - startTime)
        signal.signal()
        await recorded(job, outcome)
    }

    /// Extends the lease every `heartbeat` until cancelled; true when the lease was lost.
    private func heartbeat(_ lease: JobLease, progress: ProgressSlot, task: Task<JobReturn, any Error>) async -> Bool {
        let interval = settings.heartbeat ?? settings.lease / 3
        while !Task.isCancelled {
            do {
                try await sleep(interval)
            } catch {
                return false
            }
            do {
                let answer = try await store.heartbeat(lease, extendBy: settings.lease, progress: progress.take())
                if answer == .cancelRequested { cancelLocally(lease.jobID) }
            } catch QueueError.leaseLost {
                task.cancel()
                return true
            } catch {
                logger.warning("a heartbeat failed", metadata: ["job.id": "\(lease.jobID)", "error": "\(error)"])
            }
        }
        return false
    }

    /// Stores what the attempt did; returns the outcome's name for metrics.
    private func record(
        _ result: Result<JobReturn, any Error>,
        job: QueuedJob,
        lease: JobLease,
        progress: String?,
        cancelled: Bool
    ) async -> String {
        do {
            switch result {
            case _ where cancelled:
                try await store.acknowledgeCancel(lease)
                return "cancelled"
            case .success(.completed(let value)):
                try await store.complete(lease, result: value, progress: progress)
                return "succeeded"
            case .success(.stopped):
                try await store.release(lease)
                return "released"
            case .failure(let error) where error is CancellationError || isStopping:
                try await store.release(lease)
                return "released"
            case .failure(let error):
                let permanent = error is PermanentJobFailure
                let retry =
                    permanent || lease.attempt >= job.maxAttempts
                    ? nil : settings.retry.delay(afterAttempt: lease.attempt)
                try await store.fail(lease, error: "\(error)", retryIn: retry)
                logger.warning(
                    retry == nil ? "a job failed for good" : "a job failed; it will be retried",
                    metadata: ["job.id": "\(job.id)", "job.kind": "\(job.kind)", "error": "\(error)"]
                )
                return retry == nil ? "dead" : "failed"
            }
        } catch QueueError.leaseLost {
            logger.warning(
                "a late finisher was refused: the job's lease had passed to another attempt",
                metadata: ["job.id": "\(job.id)", "job.attempt": "\(lease.attempt)"]
            )
            return "lost"
        } catch {
            logger.error("could not record a job's outcome", metadata: ["job.id": "\(job.id)", "error": "\(error)"])
            return "unrecorded"
        }
    }

    /// Rescues expired leases, prunes old jobs and publishes the queue's depth, every `maintenance`.
    private func maintain() async {
        while !isStopping {
            do {
                let retry = settings.retry
                let rescued = try await store.rescueExpired { retry.delay(afterAttempt: $0) }
                if !rescued.isEmpty {
                    Counter(label: "drivesync_queue_rescued_total").increment(by: rescued.count)
                    logger.notice(
                        "rescued jobs whose workers stopped renewing their leases",
                        metadata: ["jobs": "\(rescued.map(\.id).joined(separator: ","))"]
                    )
                    signal.signal()
                }
                _ = try await store.prune(olderThan: settings.retention)
                publish(try await store.depth())
            } catch {
                logger.warning("queue maintenance failed", metadata: ["error": "\(error)"])
            }
            await maintenanceWake.wait(timeout: settings.maintenance, sleep: sleep)
        }
    }
}

extension QueueWorkers {
    /// Sets `drivesync_queue_jobs{kind,state}`, zeroing pairs that emptied since the last time.
    fileprivate func publish(_ depths: [QueueDepth]) {
        let current = Set(depths.map { [$0.kind, $0.state.rawValue] })
        let emptied = publishedDepths.withLock { published in
            defer { published = current }
            return published.subtracting(current)
        }
        for pair in emptied {
            Gauge(label: "drivesync_queue_jobs", dimensions: [("kind", pair[0]), ("state", pair[1])]).record(0)
        }
        for depth in depths {
            Gauge(label: "drivesync_queue_jobs", dimensions: [("kind", depth.kind), ("state", depth.state.rawValue)])
                .record(depth.count)
        }
    }
}

/// The latest progress a handler reported, taken by the next heartbeat.
final class ProgressSlot: Sendable {
    private let value = Mutex<String?>(nil)

    func set(_ progress: String) { value.withLock { $0 = progress } }
    func take() -> String? { value.withLock { $0 } }
}
