import AsyncHTTPClient
import DriveAPI
import DriveEmulator
import DriveSyncCore
import DriveSyncTestSupport
import Foundation
import NIOCore
import Synchronization
import Testing

/// A clock whose sleeps return at once and are recorded, so backoff can be checked without waiting.
final class RecordingClock: Clock, @unchecked Sendable {
    typealias Duration = Swift.Duration
    typealias Instant = ContinuousClock.Instant
    private let sleeps = Mutex<[Duration]>([])
    var now: Instant { ContinuousClock.now }
    var minimumResolution: Duration { .nanoseconds(1) }
    var recorded: [Duration] { sleeps.withLock { $0 } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        // Rounded to milliseconds: the deadline was computed a moment before this call.
        let wait = ContinuousClock.now.duration(to: deadline)
        sleeps.withLock { $0.append(.milliseconds(Int((wait / .milliseconds(1)).rounded()))) }
    }
}

/// Hands out a stale token first, then the real one when asked to refresh.
final class RotatingTokens: AccessTokenProvider, @unchecked Sendable {
    private let state = Mutex<(current: String, refreshes: Int)>(("stale-token", 0))
    let fresh: String
    init(fresh: String) { self.fresh = fresh }
    var refreshes: Int { state.withLock { $0.refreshes } }
    func accessToken() async throws -> String { state.withLock { $0.current } }
    func refreshedToken(after rejected: String) async throws -> String {
        state.withLock { state in
            state.refreshes += 1
            state.current = fresh
            return fresh
        }
    }
}

func status(_ code: Int, _ reason: String?, retryAfter: Int? = nil, html: Bool = false) -> FaultAction {
    .status(code: code, reason: reason, message: nil, retryAfter: retryAfter, html: html)
}

struct RetryTests {
    @Test(arguments: [
        (status(503, "backendError"), true),
        (status(500, nil), true),
        (status(429, "rateLimitExceeded"), true),
        (status(429, nil, html: true), true),
        (status(403, "userRateLimitExceeded"), true),
        (status(403, "rateLimitExceeded"), true),
        (FaultAction.dropResponse, true),
        (status(403, "storageQuotaExceeded"), false),
        // The daily upload cap: a rate limit told apart by its message, not worth retrying for a day.
        (
            FaultAction.status(
                code: 403,
                reason: "userRateLimitExceeded",
                message: "User rate limit exceeded.",
                retryAfter: nil,
                html: nil
            ), false
        ),
        (status(403, "insufficientFilePermissions"), false),
        (status(404, "notFound"), false),
        (status(400, "badRequest"), false),
    ])
    func retriesOnlyWhatDriveSaysToRetry(fault: FaultAction, retried: Bool) async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            emulator.emulator.faults.add(FaultRule(method: "files.get", count: 2, action: fault))
            if retried {
                let root = try await drive.getFile("root", fields: "id")
                #expect(root.id != nil)
                #expect(emulator.emulator.faults.callCounts["files.get"] == 3)
            } else {
                let error = await #expect(throws: DriveAPIError.self) { try await drive.getFile("root", fields: "id") }
                #expect(error?.status != nil)
                #expect(emulator.emulator.faults.callCounts["files.get"] == 1)
            }
        }
    }

    @Test func anErrorAnswerCutShortIsRetriedLikeADroppedConnection() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            emulator.emulator.faults.add(FaultRule(method: "files.get", count: 2, action: .dropResponse))
            let error = await #expect(throws: DriveAPIError.self) { try await drive.getFile("NOPE", fields: "id") }
            #expect(error?.status == 404, "the whole answer, once a try reads it")
            #expect(emulator.emulator.faults.callCounts["files.get"] == 3)
        }
    }

    @Test func honoursRetryAfterAndParsesHTMLErrors() async throws {
        try await withRunningEmulator { emulator in
            let clock = RecordingClock()
            let drive = DriveClient(
                httpClient: .shared,
                tokens: FixedAccessToken(emulator.token),
                configuration: .init(
                    baseURL: emulator.baseURL,
                    retry: RetryPolicy(
                        maxAttempts: 3,
                        baseDelay: .milliseconds(1),
                        maxDelay: .milliseconds(2),
                        jitter: .zero
                    )
                ),
                pacer: RequestPacer(configuration: .unlimited, clock: clock),
                clock: clock
            )
            emulator.emulator.faults.add(
                FaultRule(method: "files.get", count: 1, action: status(429, "rateLimitExceeded", retryAfter: 7))
            )
            _ = try await drive.getFile("root", fields: "id")
            #expect(clock.recorded == [.seconds(7)])
            emulator.emulator.faults.add(FaultRule(method: "files.get", count: 3, action: status(429, nil, html: true)))
            let error = await #expect(throws: DriveAPIError.self) { try await drive.getFile("root", fields: "id") }
            #expect(error?.status == 429)
            #expect(error?.message.contains("HTML") == true)
        }
    }

    @Test func refreshesTheTokenOnceOn401() async throws {
        try await withRunningEmulator { emulator in
            let tokens = RotatingTokens(fresh: emulator.token)
            let drive = makeClient(emulator, tokens: tokens)
            let about = try await drive.about(fields: "user")
            #expect(about.user?.emailAddress == "tester@example.com")
            #expect(tokens.refreshes == 1)
            let broken = makeClient(emulator, tokens: RotatingTokens(fresh: "still-wrong"))
            let error = await #expect(throws: DriveAPIError.self) { try await broken.about(fields: "user") }
            #expect(error?.status == 401)
        }
    }
}

struct BatchTests {
    @Test func batchReturnsPerCallResultsAndRetriesRateLimitedCalls() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            let a = try await drive.createFile(File(name: "a"))
            let b = try await drive.createFile(File(name: "b"))
            emulator.emulator.faults.add(
                FaultRule(method: "files.update", count: 1, action: status(403, "userRateLimitExceeded"))
            )
            var rename = File()
            rename.name = "b2"
            let results = try await drive.batch([
                .getFile(a.id!, fields: "id,name"),
                try .updateFile(b.id!, rename, fields: "name"),
                .getFile("missing"),
                .deleteFile(a.id!),
            ])
            #expect(results.count == 4)
            #expect(try results[0].decode(File.self).name == "a")
            #expect(try results[1].decode(File.self).name == "b2")
            #expect(results[2].status == 404)
            #expect(results[2].error?.reason == "notFound")
            #expect(results[3].status == 204)
            #expect(emulator.emulator.faults.callCounts["files.update"] == 2, "the rate-limited call was sent again")
            let tooMany = [BatchRequest](repeating: .getFile("x"), count: 101)
            await #expect(throws: DriveAPIError.self) { try await drive.batch(tooMany) }
        }
    }
}

struct PacerTests {
    @Test func holdsDrivesWriteLimitWithoutFailedCalls() async throws {
        // The server tolerates a short burst, as Drive does; requests that queue behind a busy server
        // reach its rate check together.
        let limits = EmulatorConfiguration.Limits(writesPerSecond: 5, writeBurst: 5)
        try await withRunningEmulator(configuration: .init(limits: limits)) { emulator in
            // A little under the server's limit: timing jitter must not tip a call over it.
            let pacing = PacingConfiguration(
                initialWritesPerSecond: 4.5,
                minimumWritesPerSecond: 1,
                maximumWritesPerSecond: 4.5,
                writeBurst: 2
            )
            let drive = makeClient(emulator, pacing: pacing)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<15 { group.addTask { _ = try await drive.createFile(File(name: "w\(index)")) } }
                try await group.waitForAll()
            }
            #expect(emulator.emulator.faults.callCounts["files.create"] == 15, "no call was refused and retried")
        }
    }

    @Test func anUnpacedClientAdaptsSoNoCallFailsForRateLimitsAlone() async throws {
        let limits = EmulatorConfiguration.Limits(writesPerSecond: 5, writeBurst: 5)
        try await withRunningEmulator(configuration: .init(limits: limits)) { emulator in
            let pacer = RequestPacer(configuration: .unlimited)
            // Backoff in milliseconds: only the pacer's adaptation can keep six attempts enough.
            let drive = makeClient(emulator, pacer: pacer)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        for round in 0..<2 { _ = try await drive.createFile(File(name: "u\(index)-\(round)")) }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await drive.allFiles().count == 32)
            #expect(await pacer.writesPerSecond < 10)
        }
    }

    @Test func backsOffWhenStartingTooFast() async throws {
        let limits = EmulatorConfiguration.Limits(writesPerSecond: 5, writeBurst: 2)
        try await withRunningEmulator(configuration: .init(limits: limits)) { emulator in
            let pacer = RequestPacer(
                configuration: PacingConfiguration(
                    initialWritesPerSecond: 40,
                    minimumWritesPerSecond: 1,
                    maximumWritesPerSecond: 40,
                    writeBurst: 2
                )
            )
            let drive = makeClient(emulator, pacer: pacer)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<12 { group.addTask { _ = try await drive.createFile(File(name: "f\(index)")) } }
                try await group.waitForAll()
            }
            #expect(try await drive.allFiles().count == 12, "every write landed exactly once")
            #expect(await pacer.writesPerSecond < 40, "rate-limit answers halved the write rate")
        }
    }
}
