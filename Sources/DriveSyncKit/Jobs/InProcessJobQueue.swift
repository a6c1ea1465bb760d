import DriveSyncCore
public import Foundation
import Metrics
public import ServiceLifecycle
import SyncEngine
import Synchronization

/// Jobs run in this process, `workers` at a time, the last `history` kept in memory and each finished
/// one appended to the jobs log. As a service of the process's `ServiceGroup`, a graceful shutdown
/// stops the running jobs between files (what completed is kept) and records them as interrupted.
public actor InProcessJobQueue: JobQueue, Service {
    private struct Entry {
        var status: JobStatus
        let job: PreparedJob
        var run: (task: Task<Void, Never>, stop: StopRequest, progress: ProgressBox)?
        var cancelRequested = false
    }

    private let driveSync: DriveSync
    private let events: EventStream
    private let log: JSONLinesLog
    private let workers: Int
    private let history: Int
    private let now: @Sendable () -> Date
    private var jobs: [String: Entry] = [:]
    private var order: [String] = []
    private var waiting: [String] = []
    private var stopping = false
    private let runningGauge = Gauge(label: "drivesync_jobs_running")
    private let queuedGauge = Gauge(label: "drivesync_jobs_queued")

    public init(
        driveSync: DriveSync,
        events: EventStream,
        workers: Int = 2,
        history: Int = 1000,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.driveSync = driveSync
        self.events = events
        self.log = JSONLinesLog(path: driveSync.home + "/logs/jobs.jsonl")
        self.workers = max(1, workers)
        self.history = max(1, history)
        self.now = now
    }

    public func submit(_ spec: JobSpec) async throws -> JobStatus {
        guard !stopping else {
            throw DriveSyncError(.unavailable, "the service is stopping; submit the job again once it is back")
        }
        let job = try driveSync.prepare(spec)
        var generator = SystemRandomNumberGenerator()
        let id = "job_" + String(generator.next(), radix: 36) + String(generator.next() & 0xFFFF, radix: 36)
        let status = JobStatus(
            id: id,
            kind: job.kind,
            summary: job.summary,
            state: .queued,
            created: DriveTimestamp.format(now()),
            progress: JobProgress()
        )
        jobs[id] = Entry(status: status, job: job)
        order.append(id)
        forgetOldest()
        waiting.append(id)
        await events.publish("job.queued", ["id": id, "kind": job.kind.rawValue])
        startWaiting()
        return status
    }

    public func status(of id: String) -> JobStatus? {
        guard let entry = jobs[id] else { return nil }
        return current(entry)
    }

    public func list(limit: Int) -> [JobStatus] {
        order.suffix(limit).reversed().compactMap { jobs[$0].map(current) }
    }

    public func cancel(_ id: String) async -> JobStatus? {
        guard var entry = jobs[id] else { return nil }
        switch entry.status.state {
        case .queued:
            waiting.removeAll { $0 == id }
            entry.status.state = .cancelled
            entry.status.finished = DriveTimestamp.format(now())
            jobs[id] = entry
            await record(entry.status)
        case .running:
            entry.cancelRequested = true
            jobs[id] = entry
            entry.run?.stop.request()
            entry.run?.task.cancel()
        default:
            break
        }
        return status(of: id)
    }

    /// Waits for the process to shut down, then stops the jobs (see the type's description).
    public func run() async throws {
        try? await gracefulShutdown()
        stopping = true
        for id in waiting {
            jobs[id]?.status.state = .interrupted
            jobs[id]?.status.finished = DriveTimestamp.format(now())
            if let status = jobs[id]?.status { await record(status) }
        }
        waiting.removeAll()
        let running = jobs.values.compactMap(\.run)
        for run in running { run.stop.request() }
        // Past the grace period the group cancels this task: the jobs are cancelled with it.
        await withTaskCancellationHandler {
            for run in running { await run.task.value }
        } onCancel: {
            for run in running { run.task.cancel() }
        }
    }

    // MARK: Running

    private func startWaiting() {
        while !stopping, !waiting.isEmpty,
            jobs.values.filter({ $0.run != nil && !$0.status.state.isFinished }).count < workers
        {
            start(waiting.removeFirst())
        }
    }

    private func start(_ id: String) {
        guard var entry = jobs[id] else { return }
        let started = ContinuousClock.now
        let stop = StopRequest()
        let progress = ProgressBox()
        let (updates, publish) = AsyncStream.makeStream(of: JobProgress.self, bufferingPolicy: .bufferingNewest(1))
        let (job, driveSync, events) = (entry.job, driveSync, events)
        let task = Task {
            let result = await withTaskGroup(of: Result<JobResult, any Error>?.self) { group in
                group.addTask {
                    for await update in updates {
                        await events.publish(
                            "job.progress",
                            [
                                "id": id, "files": "\(update.files)", "bytes": "\(update.bytes)",
                                "failed": "\(update.failed)",
                            ]
                        )
                    }
                    return nil
                }
                group.addTask {
                    defer { publish.finish() }
                    do {
                        return .success(
                            try await driveSync.run(job, stop: stop) { event in
                                let elapsed = ContinuousClock.now - started
                                publish.yield(progress.update(event, elapsed: elapsed))
                            }
                        )
                    } catch {
                        return .failure(error)
                    }
                }
                var outcome: Result<JobResult, any Error>?
                for await finished in group where finished != nil { outcome = finished }
                return outcome ?? .failure(CancellationError())
            }
            await self.finish(id, result)
        }
        entry.status.state = .running
        entry.status.started = DriveTimestamp.format(now())
        entry.run = (task, stop, progress)
        jobs[id] = entry
    }

    private func finish(_ id: String, _ outcome: Result<JobResult, any Error>) async {
        guard var entry = jobs[id] else { return }
        entry.status.progress = entry.run?.progress.value ?? entry.status.progress
        entry.status.finished = DriveTimestamp.format(now())
        let stopped = entry.cancelRequested || stopping
        switch outcome {
        case .success(let result):
            entry.status.result = result
            if result.stopped {
                entry.status.state = entry.cancelRequested ? .cancelled : .interrupted
            } else {
                entry.status.state = (result.counts["failed"] ?? 0) > 0 ? .partial : .succeeded
            }
        case .failure(let error) where stopped || isCancellation(error):
            entry.status.state = entry.cancelRequested ? .cancelled : .interrupted
        case .failure(let error):
            entry.status.state = .failed
            entry.status.error = OperationFailure(error).message
        }
        entry.run = nil
        jobs[id] = entry
        await record(entry.status)
        startWaiting()
    }

    /// Publishes a job's end, counts it and appends it to the jobs log (a log that cannot take it is
    /// reported, not fatal).
    private func record(_ status: JobStatus) async {
        Counter(
            label: "drivesync_jobs_total",
            dimensions: [("kind", status.kind.rawValue), ("state", status.state.rawValue)]
        )
        .increment()
        var data = ["id": status.id, "kind": status.kind.rawValue, "state": status.state.rawValue]
        data["summary"] = status.result?.summary ?? status.error
        await events.publish("job.finished", data)
        do {
            try await log.append(status)
        } catch {
            driveSync.logger.error(
                "the jobs log lost a line",
                metadata: ["job.id": "\(status.id)", "error": "\(error)"]
            )
        }
    }

    private func current(_ entry: Entry) -> JobStatus {
        var status = entry.status
        if let run = entry.run { status.progress = run.progress.value }
        return status
    }

    private func forgetOldest() {
        while order.count > history, let index = order.firstIndex(where: { jobs[$0]?.status.state.isFinished == true })
        {
            jobs[order.remove(at: index)] = nil
        }
    }
}

/// A running job's progress, updated from the engine's callbacks, read by status requests.
final class ProgressBox: Sendable {
    private let progress = Mutex(JobProgress())

    var value: JobProgress { progress.withLock { $0 } }

    func update(_ event: JobProgress.Event, elapsed: Duration) -> JobProgress {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return progress.withLock {
            $0.update(event, elapsed: seconds)
            return $0
        }
    }
}
