import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServiceState
import Testing

struct JobRouteTests {
    struct Status: Decodable {
        struct Progress: Decodable {
            var files: Int
            var files_total: Int?
            var bytes: Int64
        }
        struct Result: Decodable {
            var summary: String
            var counts: [String: Int64]
        }
        var id: String
        var kind: String
        var state: String
        var progress: Progress
        var result: Result?
        var error: String?
    }

    struct Events: Decodable {
        struct Event: Decodable {
            var id: Int
            var type: String
            var data: [String: String]
        }
        var events: [Event]
        var last_id: Int
    }

    /// Waits (by long polls, never a sleep) for `job` to finish; returns its final status.
    static func finished(_ job: String, _ service: ServiceHarness) async throws -> Status {
        var since = 0
        for _ in 0..<20 {
            let page = try service.json(
                Events.self,
                try await service.send(.get, "/drive/events?since=\(since)&timeout=10")
            )
            since = page.last_id
            if page.events.contains(where: { $0.type == "job.finished" && $0.data["id"] == job }) { break }
        }
        return try service.json(Status.self, try await service.send(.get, "/drive/jobs/\(job)"))
    }

    static func folder(with files: [String: String]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("job-\(UUID().uuidString)").path
        for (name, text) in files {
            let path = folder + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        return folder
    }

    @Test func aSyncJobRunsReportsProgressAndLandsOnDrive() async throws {
        let source = try Self.folder(with: ["a.md": "alpha", "notes/b.md": "beta", "notes/c.md": "gamma"])
        defer { try? FileManager.default.removeItem(atPath: source) }
        try await ServiceHarness.run { service in
            let body = #"{"kind": "sync", "source": "\#(source)", "destination": "emu:Mirror"}"#
            let accepted = try await service.send(.post, "/drive/jobs", body: ByteBuffer(string: body))
            #expect(accepted.status == .accepted, "\(String(buffer: accepted.body))")
            let job = try service.json(Status.self, accepted)
            #expect(accepted.headers[.location] == "/drive/jobs/\(job.id)")

            let done = try await Self.finished(job.id, service)
            #expect(done.state == "succeeded", "\(done)")
            #expect(
                done.progress.files == 4 && done.progress.files_total == 4,
                "a folder and three files: \(done.progress)"
            )
            #expect(done.progress.bytes == 14)
            #expect(done.result?.counts["done"] == 4)
            let mirror = try service.json(Page.self, try await service.send(.get, "/drive/files?path=Mirror/notes"))
            #expect(mirror.items.map(\.name) == ["b.md", "c.md"])

            let again = try await service.send(.post, "/drive/jobs", body: ByteBuffer(string: body))
            let second = try await Self.finished(try service.json(Status.self, again).id, service)
            #expect(
                second.state == "succeeded" && second.result?.counts["planned"] == 0,
                "nothing to do the second time"
            )
            let listed = String(buffer: try await service.send(.get, "/drive/jobs").body)
            #expect(listed.contains(job.id) && listed.contains(second.id))
            #expect(service.auditLines.filter { $0.contains("jobs.submit") }.count == 2)
        }
    }

    @Test func configuredPairsAndChecksRun() async throws {
        let source = try Self.folder(with: ["x.txt": "x"])
        defer { try? FileManager.default.removeItem(atPath: source) }
        try await ServiceHarness.run(extraConfiguration: { _ in
            "[pair notes]\nsource = \(source)\ndestination = emu:Paired\n"
        }) { service in
            let pair = try await service.send(.post, "/drive/jobs", body: ByteBuffer(string: #"{"pair": "notes"}"#))
            #expect(try await Self.finished(try service.json(Status.self, pair).id, service).state == "succeeded")
            let check = try await service.send(
                .post,
                "/drive/jobs",
                body: ByteBuffer(string: #"{"kind": "check", "source": "\#(source)", "destination": "emu:Paired"}"#)
            )
            let checked = try await Self.finished(try service.json(Status.self, check).id, service)
            #expect(checked.result?.summary == "identical", "\(checked)")
        }
    }

    @Test func badJobsAreRefusedBeforeAnythingRuns() async throws {
        try await ServiceHarness.run { service in
            let cases = [
                #"{"kind": "explode", "source": "/tmp", "destination": "drive:x"}"#,
                #"{"source": "/tmp", "destination": "drive:x"}"#,
                #"{"kind": "sync", "destination": "drive:x"}"#,
                #"{"kind": "sync", "source": "/tmp", "destination": "nobody:x"}"#,
                #"{"kind": "sync", "source": "/tmp", "destination": "emu:x", "options": {"max_delete": "lots"}}"#,
                #"{"kind": "sync", "source": "/tmp", "destination": "emu:x", "options": {"transfers": 0}}"#,
                #"{"kind": "pull", "source": "emu:x", "destination": "/tmp/x", "options": {"export_formats": "exe"}}"#,
                #"{"pair": "unknown"}"#,
                #"[1, 2]"#,
            ]
            for body in cases {
                let answer = try await service.send(.post, "/drive/jobs", body: ByteBuffer(string: body))
                #expect(answer.status == .badRequest, "\(body): \(String(buffer: answer.body))")
            }
            #expect(try await service.send(.get, "/drive/jobs/job_none").status == .notFound)
            #expect(try await service.send(.delete, "/drive/jobs/job_none").status == .notFound)
            let jobs = String(buffer: try await service.send(.get, "/drive/jobs").body)
            #expect(jobs == #"{"jobs":[]}"#)
        }
    }
}

struct EventStreamTests {
    /// A stream on a fresh SQLite service database, and the database to close.
    static func stream(
        capacity: Int = 10_000,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) async throws -> (EventStream, ServiceDatabase) {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString)").path
        let database = try await DriveSync(home: home).openServiceDatabase()
        let stream = EventStream(
            store: database.state,
            capacity: capacity,
            sleep: sleep,
            logger: Logger(label: "events-test")
        )
        return (stream, database)
    }

    @Test func idsIncreaseAndAReaderThatFellBehindSeesTheGap() async throws {
        let (stream, database) = try await Self.stream(capacity: 3)
        defer { Task { await database.close() } }
        for number in 1...5 { await stream.publish("tick", ["n": "\(number)"]) }
        let kept = try await stream.events(after: 0)
        #expect(kept.map(\.id) == [3, 4, 5], "ids 1 and 2 are gone: the first id after 0 is 3")
        #expect(kept.map(\.data) == [["n": "3"], ["n": "4"], ["n": "5"]])
        #expect(try await stream.events(after: 4).map(\.id) == [5])
        #expect(try await stream.wait(after: 5, timeout: .zero).isEmpty)
        #expect(try await stream.lastID() == 5)
    }

    @Test func aLongPollWakesOnTheNextEvent() async throws {
        // The timeout never elapses, nor does a poll: the sleeper waits until cancelled.
        let (stream, database) = try await Self.stream(sleep: { _ in try await Task.sleep(for: .seconds(3600)) })
        defer { Task { await database.close() } }
        async let woken = stream.wait(after: 0, timeout: .seconds(3600))
        while stream.waitingCount == 0 { await Task.yield() }
        await stream.publish("job.finished", ["id": "x"])
        #expect(try await woken.map(\.type) == ["job.finished"])
    }

    @Test(.timeLimit(.minutes(1)))
    func anEventPublishedByAnotherProcessWakesTheReadersThroughNotify() async throws {
        let url = try await TestPostgres.makeDatabase()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let reader = try await DriveSync(home: folder + "/reader").openJobs(database: url)
        let writer = try await DriveSync(home: folder + "/writer").openJobs(database: url)
        defer {
            Task {
                await reader.close()
                await writer.close()
            }
        }
        let signal = reader.events.signal
        let connected = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await reader.database.listenForWakeups(also: [ServiceStateStore.eventChannel: signal]) {
                    connected.continuation.yield()
                }
            }
            for await _ in connected.stream { break }
            // Connecting wakes everyone once; take that wake-up, then only a NOTIFY can end the wait.
            await signal.wait(timeout: .seconds(5), sleep: { try await Task.sleep(for: $0) })
            async let woken: Void = signal.wait(timeout: .seconds(3600), sleep: { try await Task.sleep(for: $0) })
            try await Task.sleep(for: .milliseconds(200))
            await writer.events.publish("file.changed", ["id": "f1"])
            await woken
            #expect(try await reader.events.events(after: 0).map(\.type) == ["file.changed"])
            group.cancelAll()
        }
    }
}
