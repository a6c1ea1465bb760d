import DriveSyncTestSupport
import DurableQueue
import Foundation
import Logging
import SQLDatabase
import Testing

/// Real `drivesync worker` processes on one PostgreSQL database, killed with SIGKILL and restarted
/// while they work: every job still succeeds exactly once, by the attempt that held its lease.
@Suite struct QueueChaosTests {
    static let jobs = 10_000
    static let workers = 3

    @Test(.timeLimit(.minutes(5)))
    func killedWorkersLoseNoJobAndNoLateFinisherCounts() async throws {
        let url = try await TestPostgres.makeDatabase()
        let location = try DatabaseLocation(parsing: url, home: "/")
        let database = try await JobDatabase.open(location, logger: Logger(label: "chaos"))
        defer { Task { await database.close() } }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A short lease, so the jobs of killed workers come back within the test.
        let config = folder + "/config.ini"
        try Data("[service]\njob_lease = 3\nshutdown_grace = 2\n".utf8).write(to: URL(fileURLWithPath: config))

        for start in stride(from: 0, to: Self.jobs, by: 1000) {
            _ = try await database.store.enqueue(
                (start..<min(start + 1000, Self.jobs)).map {
                    NewJob(kind: "probe", arguments: #"{"sleep_ms": \#($0 % 4)}"#, maxAttempts: 20)
                }
            )
        }
        func startWorker(_ index: Int) throws -> DriveSyncProcess {
            try DriveSyncProcess(
                ["worker", "--database", url, "--concurrency", "4", "--config", config],
                environment: ["DRIVESYNC_HOME": folder + "/home\(index)", "DRIVESYNC_LOG_LEVEL": "error"]
            )
        }
        var workers = try (0..<Self.workers).map(startWorker)
        var kills = 0
        for _ in 0..<20 {
            try await Task.sleep(for: .seconds(1))
            let victim = Int.random(in: 0..<Self.workers)
            workers[victim].send(SIGKILL)
            _ = try await workers[victim].exitStatus(within: .seconds(10))
            kills += 1
            workers[victim] = try startWorker(victim)
        }
        let finished = try await eventually(timeout: .seconds(180)) {
            try await database.store.depth().filter { $0.state == .succeeded }.reduce(0) { $0 + $1.count } == Self.jobs
        }
        for worker in workers { worker.send(SIGTERM) }
        for worker in workers { _ = try await worker.exitStatus(within: .seconds(30)) }

        let depth = try await database.store.depth()
        #expect(finished, "every job succeeded: \(depth)")
        #expect(depth.allSatisfy { $0.state == .succeeded }, "none lost or stuck: \(depth)")
        let all = try await database.store.list(JobFilter(limit: Self.jobs * 2))
        #expect(all.count == Self.jobs)
        var lost = 0
        for job in all {
            let attempts = try await database.store.attempts(of: job.id)
            let succeeded = attempts.filter { $0.outcome == .succeeded }
            // One completion per job, by its last attempt: an attempt that lost its lease recorded none.
            #expect(succeeded.count == 1 && succeeded.first?.attempt == job.attempt, "\(job.id): \(attempts)")
            lost += attempts.filter { $0.outcome == .lost }.count
        }
        #expect(kills == 20)
        #expect(lost > 0, "the kills caught jobs in flight, and their leases were rescued")
    }
}
