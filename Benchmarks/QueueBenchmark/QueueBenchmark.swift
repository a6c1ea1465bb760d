import DurableQueue
import Foundation
import Logging
import SQLDatabase
import ServiceLifecycle
import Synchronization

/// Figures for the durable queue (Benchmarks/README.md):
///   throughput: jobs claimed and completed per second by `--workers` claimers, `--batch` jobs a transaction;
///   latency: enqueue-to-start with idle workers woken by NOTIFY (PostgreSQL) or in-process (SQLite).
/// QueueBenchmark throughput|latency --database URL [--jobs N] [--batch B] [--workers W]
@main
struct QueueBenchmark {
    static func main() async throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let mode = arguments.first, ["throughput", "latency"].contains(mode) else {
            print("usage: QueueBenchmark throughput|latency --database URL [--jobs N] [--batch B] [--workers W]")
            exit(64)
        }
        arguments.removeFirst()
        func option(_ name: String, _ fallback: String) -> String {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
            return arguments[index + 1]
        }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("queue-bench-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: home) }
        let location = try DatabaseLocation(
            parsing: option("--database", "sqlite"),
            home: home,
            environment: ProcessInfo.processInfo.environment
        )
        let jobs = Int(option("--jobs", "20000")) ?? 20000
        let batch = Int(option("--batch", "1")) ?? 1
        let workers = Int(option("--workers", "8")) ?? 8
        var logger = Logger(label: "queue-bench")
        logger.logLevel = .error
        let database = try await JobDatabase.open(location, connections: workers + 2, logger: logger)
        _ = try await database.store.prune(olderThan: .zero)
        if mode == "throughput" {
            try await throughput(database.store, jobs: jobs, batch: batch, workers: workers, location: location)
        } else {
            try await latency(database, jobs: jobs, workers: workers, location: location, logger: logger)
        }
        await database.close()
    }

    static func enqueue(_ store: any QueueStore, _ count: Int) async throws {
        for start in stride(from: 0, to: count, by: 1000) {
            _ = try await store.enqueue((start..<min(start + 1000, count)).map { _ in NewJob(kind: "bench") })
        }
    }

    static func throughput(
        _ store: any QueueStore,
        jobs: Int,
        batch: Int,
        workers: Int,
        location: DatabaseLocation
    )
        async throws
    {
        try await enqueue(store, jobs)
        let started = ContinuousClock.now
        let done = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var done = 0
                    while true {
                        let claimed = try await store.claim(
                            worker: "bench-\(worker)",
                            kinds: nil,
                            limit: batch,
                            lease: .seconds(60)
                        )
                        if claimed.isEmpty { return done }
                        if batch == 1 {
                            try await store.complete(claimed[0].lease, result: nil, progress: nil)
                        } else {
                            _ = try await store.complete(claimed.map { JobCompletion(lease: $0.lease) })
                        }
                        done += claimed.count
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        let seconds = seconds(ContinuousClock.now - started)
        print(
            "\(location.kind) throughput: \(done) jobs, batch \(batch), \(workers) claimers: "
                + String(format: "%.0f jobs/s (%.2f s)", Double(done) / seconds, seconds)
        )
    }

    static func latency(
        _ database: JobDatabase,
        jobs: Int,
        workers: Int,
        location: DatabaseLocation,
        logger: Logger
    ) async throws {
        let latencies = Mutex<[Double]>([])
        var settings = WorkerSettings()
        settings.concurrency = workers
        // Polling alone would add up to a minute: only the wake-up brings the workers.
        settings.poll = .seconds(60)
        let runner = QueueWorkers(
            store: database.store,
            handlers: [
                "bench": { execution in
                    let waited = Date().timeIntervalSince(execution.job.created)
                    latencies.withLock { $0.append(waited) }
                    return .completed(result: nil)
                }
            ],
            settings: settings,
            signal: database.signal,
            logger: logger
        )
        // Enqueued through a second connection pool, as another process would.
        let producer = try await JobDatabase.open(database.location, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.listenForWakeups() }
            group.addTask { try await runner.run() }
            try await Task.sleep(for: .milliseconds(500))
            for _ in 0..<jobs {
                _ = try await producer.store.enqueue([NewJob(kind: "bench")])
                // SQLite's workers share this process: the enqueuer wakes them, as DriveJobs does.
                if case .sqlite = location { database.signal.signal() }
                try await Task.sleep(for: .milliseconds(5))
            }
            while latencies.withLock({ $0.count }) < jobs { try await Task.sleep(for: .milliseconds(20)) }
            group.cancelAll()
        }
        await producer.close()
        let sorted = latencies.withLock { $0 }.sorted()
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
        print(
            "\(location.kind) enqueue-to-start, \(jobs) jobs one every 5 ms, \(workers) idle workers: "
                + String(
                    format: "p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                    percentile(0.5),
                    percentile(0.99),
                    sorted.last! * 1000
                )
        )
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

extension DatabaseLocation {
    var kind: String {
        switch self {
        case .sqlite: "SQLite"
        case .postgres: "PostgreSQL"
        }
    }
}
