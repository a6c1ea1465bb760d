public import DurableQueue
public import Foundation

/// Where a job is in its life, and what it has done so far.
public struct JobStatus: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable, Hashable {
        case queued
        case running
        case succeeded
        /// It ran to the end but some files failed (they are recorded for the next run).
        case partial
        /// An attempt failed; the job runs again at `run_at`.
        case failed
        /// Every attempt failed; `drivesync jobs retry ID` queues it again.
        case dead
        case cancelled

        public var isFinished: Bool { [.succeeded, .partial, .dead, .cancelled].contains(self) }
    }

    public var id: String
    public var kind: String
    public var summary: String
    public var state: State
    public var priority: Int
    public var attempt: Int
    public var maxAttempts: Int
    /// When it runs (again), while it waits.
    public var runAt: String?
    /// The worker that runs (or last ran) it.
    public var worker: String?
    public var created: String
    public var started: String?
    public var finished: String?
    public var progress: JobProgress
    public var result: JobResult?
    /// Why the last attempt failed, in one line.
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, summary, state, priority, attempt, worker, created, started, finished, progress, result, error
        case maxAttempts = "max_attempts"
        case runAt = "run_at"
    }

    /// The job as the queue holds it, its progress and result decoded.
    public init(_ job: QueuedJob) {
        let decoder = JSONDecoder()
        let result = job.result.flatMap { try? decoder.decode(JobResult.self, from: Data($0.utf8)) }
        id = job.id
        kind = job.kind
        summary = job.summary
        switch job.state {
        case .queued: state = .queued
        case .running: state = .running
        case .succeeded: state = (result?.counts["failed"] ?? 0) > 0 ? .partial : .succeeded
        case .failed: state = .failed
        case .dead: state = .dead
        case .cancelled: state = .cancelled
        }
        priority = job.priority
        attempt = job.attempt
        maxAttempts = job.maxAttempts
        runAt = [.queued, .failed].contains(job.state) ? DriveTimestamp.format(job.runAt) : nil
        worker = job.worker
        created = DriveTimestamp.format(job.created)
        started = job.started.map(DriveTimestamp.format)
        finished = job.finished.map(DriveTimestamp.format)
        progress = job.progress.flatMap { try? decoder.decode(JobProgress.self, from: Data($0.utf8)) } ?? JobProgress()
        self.result = result
        error = job.lastError
    }
}

/// Files and bytes done and to do, the rate and the time left. Pure: the queue feeds it events and a clock.
public struct JobProgress: Codable, Sendable, Hashable {
    public var files = 0
    public var filesTotal: Int?
    public var bytes: Int64 = 0
    public var bytesTotal: Int64?
    public var failed = 0
    /// Bytes per second since the job started.
    public var rate: Double?
    /// Seconds left at that rate.
    public var eta: Double?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case files, bytes, failed, rate, eta
        case filesTotal = "files_total"
        case bytesTotal = "bytes_total"
    }

    /// Counts what ended, then works out rate and time left after `elapsed` seconds of running.
    public mutating func update(_ event: Event, elapsed: Double) {
        switch event {
        case .planned(let files, let bytes):
            filesTotal = files
            bytesTotal = bytes
        case .fileEnded(let bytes, let failed):
            files += 1
            self.bytes += bytes
            if failed { self.failed += 1 }
        }
        guard elapsed > 0, self.bytes > 0 else { return }
        let rate = Double(self.bytes) / elapsed
        self.rate = rate
        eta = bytesTotal.map { max(0, Double($0 - self.bytes) / rate) }
    }

    public enum Event: Sendable {
        case planned(files: Int, bytes: Int64?)
        case fileEnded(bytes: Int64, failed: Bool)
    }
}

/// What a finished job did.
public struct JobResult: Codable, Sendable, Hashable {
    public struct Failure: Codable, Sendable, Hashable {
        public var path: String
        public var error: String
    }

    /// One line, as the command would print it.
    public var summary: String
    public var counts: [String: Int64]
    public var failures: [Failure]
    public var warnings: [String]
    /// It stopped before the end (cancelled, or the service stopping); the next run does the rest.
    public var stopped = false
}
