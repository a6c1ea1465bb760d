public import Foundation

/// Where a job is in its life, and what it has done so far.
public struct JobStatus: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable, Hashable {
        case queued
        case running
        case succeeded
        /// It ran to the end but some files failed (they are recorded for the next run).
        case partial
        case failed
        case cancelled
        /// The service stopped while it ran; what completed is kept and the next run does the rest.
        case interrupted

        public var isFinished: Bool { ![.queued, .running].contains(self) }
    }

    public var id: String
    public var kind: JobSpec.Kind
    public var summary: String
    public var state: State
    public var created: String
    public var started: String?
    public var finished: String?
    public var progress: JobProgress
    public var result: JobResult?
    /// Why it failed, in one line.
    public var error: String?
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
