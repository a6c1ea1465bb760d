import DriveSyncTestSupport
import DurableQueue
import Foundation
import Testing

/// One suite, both backends: the promises `QueueStore` documents.
@Suite struct QueueStoreConformanceTests {
    @Test(arguments: Backend.allCases)
    func claimsByPriorityThenRunTime(_ backend: Backend) async throws {
        let now = ManualNow()
        let database = try await backend.open(now: now)
        defer { Task { await database.close() } }
        let store = database.store
        let base = now()
        let low = try await store.enqueue([NewJob(kind: "t", summary: "low", priority: 0, runAt: base)])[0]
        let laterHigh = try await store.enqueue([
            NewJob(kind: "t", summary: "later high", priority: 5, runAt: base.addingTimeInterval(-1))
        ])[0]
        let earlierHigh = try await store.enqueue([
            NewJob(kind: "t", summary: "earlier high", priority: 5, runAt: base.addingTimeInterval(-5))
        ])[0]
        let future = try await store.enqueue([NewJob(kind: "t", summary: "future", priority: 9, runAt: base + 60)])[0]
        let other = try await store.enqueue([NewJob(kind: "other", priority: 9)])[0]

        let first = try await store.claim(worker: "w", kinds: ["t"], limit: 2, lease: .seconds(30))
        #expect(first.map(\.job.id) == [earlierHigh.id, laterHigh.id])
        let second = try await store.claim(worker: "w", kinds: ["t"], limit: 10, lease: .seconds(30))
        #expect(second.map(\.job.id) == [low.id])
        #expect(second[0].job.state == .running && second[0].job.attempt == 1 && second[0].job.worker == "w")
        now.advance(.seconds(61))
        let third = try await store.claim(worker: "w", kinds: nil, limit: 10, lease: .seconds(30))
        #expect(third.map(\.job.id) == [other.id, future.id])
    }

    @Test(arguments: Backend.allCases)
    func concurrentClaimersNeverShareAJob(_ backend: Backend) async throws {
        let database = try await backend.open()
        defer { Task { await database.close() } }
        let store = database.store
        _ = try await store.enqueue((0..<60).map { NewJob(kind: "t", summary: "\($0)") })
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<5 {
                group.addTask {
                    var ids: [String] = []
                    while true {
                        let batch = try await store.claim(
                            worker: "w\(worker)",
                            kinds: nil,
                            limit: 3,
                            lease: .seconds(30)
                        )
                        if batch.isEmpty { return ids }
                        ids += batch.map(\.job.id)
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(claimed.count == 60)
        #expect(Set(claimed).count == 60)
    }

    @Test(arguments: Backend.allCases)
    func expiredLeasesAreRescuedAndTheLateFinisherIsRefused(_ backend: Backend) async throws {
        let now = ManualNow()
        let database = try await backend.open(now: now)
        defer { Task { await database.close() } }
        let store = database.store
        let job = try await store.enqueue([NewJob(kind: "t")])[0]
        let first = try await store.claim(worker: "dies", kinds: nil, limit: 1, lease: .seconds(30))[0]
        now.advance(.seconds(20))
        #expect(try await store.heartbeat(first.lease, extendBy: .seconds(30), progress: #"{"files":1}"#) == .held)
        #expect(try await store.rescueExpired(backoff: { _ in .zero }).isEmpty)
        #expect(try await store.job(job.id)?.progress == #"{"files":1}"#)
        now.advance(.seconds(31))
        let rescued = try await store.rescueExpired(backoff: { _ in .zero })
        #expect(rescued.map(\.id) == [job.id])
        #expect(try await store.job(job.id)?.state == .failed)

        let second = try await store.claim(worker: "lives", kinds: nil, limit: 1, lease: .seconds(30))[0]
        #expect(second.lease.attempt == 2 && second.lease.token != first.lease.token)
        await #expect(throws: QueueError.leaseLost(jobID: job.id, attempt: 1)) {
            try await store.complete(first.lease, result: "{}", progress: nil)
        }
        await #expect(throws: QueueError.leaseLost(jobID: job.id, attempt: 1)) {
            _ = try await store.heartbeat(first.lease, extendBy: .seconds(30), progress: nil)
        }
        await #expect(throws: QueueError.leaseLost(jobID: job.id, attempt: 1)) {
            try await store.fail(first.lease, error: "late", retryIn: nil)
        }
        try await store.complete(second.lease, result: #"{"ok":true}"#, progress: #"{"files":2}"#)
        let done = try #require(try await store.job(job.id))
        #expect(done.state == .succeeded && done.result == #"{"ok":true}"# && done.finished != nil)
        #expect(done.progress == #"{"files":2}"#)
        let attempts = try await store.attempts(of: job.id)
        #expect(attempts.map(\.outcome) == [.lost, .succeeded])
        #expect(attempts.map(\.worker) == ["dies", "lives"])
    }

    @Test(arguments: Backend.allCases)
    func aBatchedCompletionRecordsTheHeldLeasesAndReportsTheLostOnes(_ backend: Backend) async throws {
        let now = ManualNow()
        let database = try await backend.open(now: now)
        defer { Task { await database.close() } }
        let store = database.store
        let stale = try await store.enqueue([NewJob(kind: "t", priority: 1)])[0]
        let lost = try await store.claim(worker: "w", kinds: nil, limit: 1, lease: .seconds(30))[0]
        now.advance(.seconds(31))
        _ = try await store.rescueExpired(backoff: { _ in .zero })
        _ = try await store.enqueue([NewJob(kind: "t"), NewJob(kind: "t")])
        let held = try await store.claim(worker: "w", kinds: nil, limit: 3, lease: .seconds(30))
        #expect(held.count == 3 && held[0].job.id == stale.id)
        let refused = try await store.complete(
            [JobCompletion(lease: lost.lease)] + held.map { JobCompletion(lease: $0.lease, result: "{}") }
        )
        #expect(refused == [lost.lease])
        #expect(try await store.list(JobFilter(states: [.succeeded])).count == 3)
        #expect(try await store.attempts(of: stale.id).map(\.outcome) == [.lost, .succeeded])
    }

    @Test(arguments: Backend.allCases)
    func failuresRetryAfterTheirDelayThenDie(_ backend: Backend) async throws {
        let now = ManualNow()
        let database = try await backend.open(now: now)
        defer { Task { await database.close() } }
        let store = database.store
        let job = try await store.enqueue([NewJob(kind: "t", maxAttempts: 2)])[0]
        let first = try await store.claim(worker: "w", kinds: nil, limit: 1, lease: .seconds(30))[0]
        try await store.fail(first.lease, error: "boom 1", retryIn: .seconds(10))
        var stored = try #require(try await store.job(job.id))
        #expect(stored.state == .failed && stored.lastError == "boom 1")
        #expect(try await store.claim(worker: "w", kinds: nil, limit: 1, lease: .seconds(30)).isEmpty)
        now.advance(.seconds(11))
        let second = try await store.claim(worker: "w", kinds: nil, limit: 1, lease: .seconds(30))[0]
        #expect(second.job.attempt == 2)
        try await store.fail(second.lease, error: "boom 2", retryIn: nil)
        stored = try #require(try await store.job(job.id))
        #expect(stored.state == .dead && stored.lastError == "boom 2" && stored.finished != nil)
        now.advance(.seconds(3600))
        #expect(try await store.claim(worker: "w", kinds: nil, limit: 1, lease: .seconds(30)).isEmpty)

        let retried = try #require(try await store.retry(job.id))
        #expect(retried.state == .queued && retried.maxAttempts == 4)
        let third = try await store.claim(worker: "w", kinds: nil, limit: 1, lease: .seconds(30))[0]
        #expect(third.job.attempt == 3)
    }

    @Test(arguments: Backend.allCases)
    func aUniqueKeyMakesEqualEnqueuesOneJob(_ backend: Backend) async throws {
        let database = try await backend.open()
        defer { Task { await database.close() } }
        let store = database.store
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    try await store.enqueue([NewJob(kind: "apply", uniqueKey: "changes:alice")])[0].id
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(ids.count == 1)
        #expect(try await store.list(JobFilter()).count == 1)
        // Once it runs, a new event needs a new job: the running one may have missed it.
        _ = try await store.claim(worker: "w", kinds: nil, limit: 1, lease: .seconds(30))
        let next = try await store.enqueue([NewJob(kind: "apply", uniqueKey: "changes:alice")])[0]
        #expect(!ids.contains(next.id))
        #expect(try await store.list(JobFilter()).count == 2)
        // An equal job asked for sooner moves the queued one forward; one asked for later leaves it.
        let soon = Date().addingTimeInterval(60)
        let later = try await store.enqueue([
            NewJob(kind: "apply", runAt: soon.addingTimeInterval(3600), uniqueKey: "k")
        ])
        let sooner = try await store.enqueue([NewJob(kind: "apply", runAt: soon, uniqueKey: "k")])[0]
        #expect(sooner.id == later[0].id)
        #expect(abs(sooner.runAt.timeIntervalSince(soon)) < 0.001)
        let kept = try await store.enqueue([NewJob(kind: "apply", runAt: soon.addingTimeInterval(7200), uniqueKey: "k")]
        )
        #expect(abs(kept[0].runAt.timeIntervalSince(soon)) < 0.001)
        // Debounced, each request moves it later, up to the window after it was first queued.
        func debounced(at date: Date?) async throws -> QueuedJob {
            try await store.enqueue([NewJob(kind: "d", runAt: date, uniqueKey: "d", debounce: .seconds(10))])[0]
        }
        let first = try await debounced(at: nil)
        let moved = try await debounced(at: first.created.addingTimeInterval(5))
        #expect(moved.id == first.id && moved.runAt == first.created.addingTimeInterval(5))
        let capped = try await debounced(at: first.created.addingTimeInterval(60))
        #expect(capped.id == first.id && capped.runAt == first.created.addingTimeInterval(10))
    }

    @Test(arguments: Backend.allCases)
    func cancellationStopsQueuedJobsAndFlagsRunningOnes(_ backend: Backend) async throws {
        let database = try await backend.open()
        defer { Task { await database.close() } }
        let store = database.store
        let queued = try await store.enqueue([NewJob(kind: "t", priority: 0)])[0]
        let running = try await store.enqueue([NewJob(kind: "t", priority: 1)])[0]
        let claimed = try await store.claim(worker: "w", kinds: nil, limit: 1, lease: .seconds(30))[0]
        #expect(claimed.job.id == running.id)

        #expect(try await store.cancel(queued.id)?.state == .cancelled)
        let flagged = try #require(try await store.cancel(running.id))
        #expect(flagged.state == .running && flagged.cancelRequested)
        #expect(try await store.heartbeat(claimed.lease, extendBy: .seconds(30), progress: nil) == .cancelRequested)
        try await store.acknowledgeCancel(claimed.lease)
        #expect(try await store.job(running.id)?.state == .cancelled)
        #expect(try await store.cancel("job_missing") == nil)
        #expect(try await store.claim(worker: "w", kinds: nil, limit: 5, lease: .seconds(30)).isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func releasedJobsGoBackWithoutSpendingAnAttempt(_ backend: Backend) async throws {
        let database = try await backend.open()
        defer { Task { await database.close() } }
        let store = database.store
        let job = try await store.enqueue([NewJob(kind: "t", maxAttempts: 1, uniqueKey: "k")])[0]
        let claimed = try await store.claim(worker: "w", kinds: nil, limit: 1, lease: .seconds(30))[0]
        try await store.release(claimed.lease)
        let released = try #require(try await store.job(job.id))
        #expect(released.state == .queued && released.maxAttempts == 2)
        // Released while an equal job was queued: that job covers it.
        let again = try await store.claim(worker: "w", kinds: nil, limit: 1, lease: .seconds(30))[0]
        let equal = try await store.enqueue([NewJob(kind: "t", uniqueKey: "k")])[0]
        try await store.release(again.lease)
        #expect(try await store.job(job.id)?.state == .cancelled)
        #expect(try await store.job(equal.id)?.state == .queued)
    }

    @Test(arguments: Backend.allCases)
    func pruningRemovesOnlyOldFinishedJobs(_ backend: Backend) async throws {
        let now = ManualNow()
        let database = try await backend.open(now: now)
        defer { Task { await database.close() } }
        let store = database.store
        let old = try await store.enqueue([NewJob(kind: "t", priority: 2)])[0]
        let claimed = try await store.claim(worker: "w", kinds: nil, limit: 1, lease: .seconds(30))[0]
        try await store.complete(claimed.lease, result: nil, progress: nil)
        let waiting = try await store.enqueue([NewJob(kind: "t")])[0]
        now.advance(.seconds(8 * 24 * 3600))
        let recent = try await store.enqueue([NewJob(kind: "t")])[0]
        _ = try await store.cancel(recent.id)
        #expect(try await store.prune(olderThan: .seconds(7 * 24 * 3600)) == 1)
        #expect(try await store.job(old.id) == nil)
        #expect(try await store.attempts(of: old.id).isEmpty)
        #expect(try await store.job(waiting.id)?.state == .queued)
        #expect(try await store.job(recent.id)?.state == .cancelled)
        let depth = try await store.depth()
        #expect(Set(depth.map { "\($0.state.rawValue)=\($0.count)" }) == ["queued=1", "cancelled=1"])
        let listed = try await store.list(JobFilter(states: [.queued]))
        #expect(listed.map(\.id) == [waiting.id])
    }
}
