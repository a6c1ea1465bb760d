import DriveSyncCore
import DriveSyncTestSupport
import DurableQueue
import Foundation
import Logging
import SQLDatabase
import ServiceLifecycle
import Synchronization
import Testing

/// Workers on both backends: handlers run, retries end in `dead`, cancellation reaches a running
/// handler, shutdown gives unfinished jobs back, and NOTIFY wakes idle workers on PostgreSQL.
@Suite struct QueueWorkerTests {
    private static func settings(poll: Duration = .milliseconds(50)) -> WorkerSettings {
        var settings = WorkerSettings()
        settings.concurrency = 3
        settings.poll = poll
        settings.retry = RetryPolicy(base: .milliseconds(1), maximum: .milliseconds(5))
        settings.maintenance = .milliseconds(100)
        return settings
    }

    /// Runs `workers` in a service group while `body` runs, then shuts them down gracefully.
    private static func running<T: Sendable>(
        _ workers: QueueWorkers,
        _ body: @Sendable () async throws -> T
    ) async throws -> T {
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: workers)], logger: Logger(label: "workers"))
        )
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            defer { Task { await group.triggerGracefulShutdown() } }
            let value = try await body()
            await group.triggerGracefulShutdown()
            while let next = try await tasks.next() { if next != nil { return next! } }
            return value
        }
    }

    @Test(arguments: Backend.allCases)
    func handlersRunAndFailingJobsDieAfterTheirAttempts(_ backend: Backend) async throws {
        let database = try await backend.openOnSystemClock()
        defer { Task { await database.close() } }
        let ran = SharedCount()
        let workers = QueueWorkers(
            store: database.store,
            handlers: [
                "ok": { execution in
                    ran.increment()
                    execution.reportProgress(#"{"step":1}"#)
                    return .completed(result: #"{"echo":\#(execution.job.arguments)}"#)
                },
                "broken": { _ in throw TestFailure("always") },
                "invalid": { _ in throw PermanentJobFailure("bad arguments") },
            ],
            settings: Self.settings(),
            signal: database.signal,
            logger: Logger(label: "workers")
        )
        let store = database.store
        let (ok, broken, invalid) = try await Self.running(workers) {
            let ok = try await store.enqueue((0..<20).map { NewJob(kind: "ok", arguments: "{\"n\":\($0)}") })
            let broken = try await store.enqueue([NewJob(kind: "broken", maxAttempts: 3)])[0]
            let invalid = try await store.enqueue([NewJob(kind: "invalid", maxAttempts: 3)])[0]
            database.signal.signal()
            // Generous: retries back off by milliseconds, but a loaded machine runs the whole suite at once.
            #expect(
                try await eventually(timeout: .seconds(60)) {
                    try await store.list(JobFilter(states: [.succeeded, .dead])).count == 22
                }
            )
            return (ok, broken, invalid)
        }
        #expect(ran.current == 20)
        let first = try #require(try await store.job(ok[0].id))
        #expect(first.state == .succeeded && first.result == #"{"echo":{"n":0}}"#)
        let dead = try #require(try await store.job(broken.id))
        #expect(dead.state == .dead && dead.attempt == 3 && dead.lastError == "always")
        #expect(try await store.attempts(of: broken.id).map(\.outcome) == [.failed, .failed, .failed])
        let refused = try #require(try await store.job(invalid.id))
        #expect(refused.state == .dead && refused.attempt == 1)
    }

    @Test(arguments: Backend.allCases)
    func cancellingARunningJobStopsItsHandler(_ backend: Backend) async throws {
        let database = try await backend.openOnSystemClock()
        defer { Task { await database.close() } }
        let started = SharedCount()
        var settings = Self.settings()
        settings.heartbeat = .milliseconds(50)
        let workers = QueueWorkers(
            store: database.store,
            handlers: [
                "long": { execution in
                    started.increment()
                    while !execution.stop.isRequested { try await Task.sleep(for: .milliseconds(10)) }
                    return .stopped
                }
            ],
            settings: settings,
            signal: database.signal,
            logger: Logger(label: "workers")
        )
        let store = database.store
        let id = try await Self.running(workers) {
            let job = try await store.enqueue([NewJob(kind: "long")])[0]
            database.signal.signal()
            #expect(await eventually { started.current == 1 })
            _ = try await store.cancel(job.id)
            // No local shortcut: the heartbeat carries the cancellation, as it would from another machine.
            #expect(try await eventually { try await store.job(job.id)?.state == .cancelled })
            return job.id
        }
        #expect(try await store.attempts(of: id).map(\.outcome) == [.cancelled])
    }

    @Test(arguments: Backend.allCases)
    func shutdownGivesUnfinishedJobsBack(_ backend: Backend) async throws {
        let database = try await backend.openOnSystemClock()
        defer { Task { await database.close() } }
        let started = SharedCount()
        let workers = QueueWorkers(
            store: database.store,
            handlers: [
                "long": { execution in
                    started.increment()
                    while !execution.stop.isRequested { try await Task.sleep(for: .milliseconds(10)) }
                    return .stopped
                }
            ],
            settings: Self.settings(),
            signal: database.signal,
            logger: Logger(label: "workers")
        )
        let store = database.store
        let jobs = try await Self.running(workers) {
            let jobs = try await store.enqueue((0..<5).map { _ in NewJob(kind: "long", maxAttempts: 1) })
            database.signal.signal()
            #expect(await eventually { started.current == 3 })
            return jobs
        }
        for job in jobs {
            let stored = try #require(try await store.job(job.id))
            #expect(stored.state == .queued)
            #expect(stored.attempt < stored.maxAttempts)
        }
    }

    @Test func notifyWakesIdleWorkersAndTheListenerReconnects() async throws {
        let location = try await Backend.postgres.location()
        let logger = Logger(label: "notify")
        let database = try await JobDatabase.open(location, logger: logger)
        let producer = try await JobDatabase.open(location, logger: logger)
        defer {
            Task {
                await database.close()
                await producer.close()
            }
        }
        let connects = SharedCount()
        let done = SharedCount()
        // Polling once an hour: only NOTIFY can wake these workers in time.
        let workers = QueueWorkers(
            store: database.store,
            handlers: [
                "t": { _ in
                    done.increment()
                    return .completed(result: nil)
                }
            ],
            settings: Self.settings(poll: .seconds(3600)),
            signal: database.signal,
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.listenForWakeups { connects.increment() } }
            _ = try await Self.running(workers) {
                #expect(await eventually { connects.current == 1 })
                for round in 1...2 {
                    _ = try await producer.store.enqueue([NewJob(kind: "t")])
                    #expect(await eventually(timeout: .seconds(30)) { done.current == round })
                }

                guard case .postgres(let postgres) = location else { return }
                try await TestPostgres.run(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        + "WHERE datname = '\(postgres.database)' AND query LIKE 'LISTEN%'"
                )
                #expect(await eventually { connects.current == 2 })
                for round in 3...4 {
                    _ = try await producer.store.enqueue([NewJob(kind: "t")])
                    #expect(await eventually(timeout: .seconds(30)) { done.current == round })
                }
            }
            group.cancelAll()
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
