import AsyncHTTPClient
import DriveAPI
import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import ServiceState
import Testing

/// `apply-changes` reads an account's changes feed into the service's file records and events.
struct ApplyChangesTests {
    @Test func driveChangesReachTheFileRecordsAndTheEventsOnce() async throws {
        try await withRunningEmulator { emulator in
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("changes-\(UUID().uuidString)")
                .path
            defer { try? FileManager.default.removeItem(atPath: home) }
            let driveSync = ChannelUpkeepTests.driveSync(emulator, home: home, publicURL: nil)
            let jobs = try await driveSync.openJobs()
            defer { Task { await jobs.close() } }
            let state = jobs.service.state
            let drive = DriveClient(
                httpClient: .shared,
                tokens: FixedAccessToken(emulator.token),
                configuration: .init(baseURL: emulator.baseURL)
            )
            let before = try await drive.createFile(File(name: "before.txt", parents: ["root"]))

            let first = try await driveSync.applyChanges(account: "emu", state: state, events: jobs.events)
            #expect(first == .init(), "the first run notes where the feed is")
            #expect(try await state.fileRecord(account: "emu", fileID: before.id!) == nil)

            let created = try await drive.createFile(File(name: "notes.txt", parents: ["root"]))
            let id = try #require(created.id)
            _ = try await drive.updateFile(id, File(name: "renamed.txt"))
            let trashed = try await drive.createFile(File(name: "old.txt", parents: ["root"]))
            _ = try await drive.trashFile(trashed.id!)
            let deleted = try await drive.createFile(File(name: "gone.txt", parents: ["root"]))
            try await drive.deleteFile(deleted.id!)

            let applied = try await driveSync.applyChanges(account: "emu", state: state, events: jobs.events)
            #expect(applied.pages >= 1)
            #expect(applied.removed == 1)
            let record = try #require(try await state.fileRecord(account: "emu", fileID: id))
            #expect(record.name == "renamed.txt" && !record.trashed && record.status == .pending)
            #expect(try await state.fileRecord(account: "emu", fileID: trashed.id!)?.trashed == true)
            #expect(try await state.fileRecord(account: "emu", fileID: deleted.id!)?.status ?? .removed == .removed)

            let events = try await jobs.events.events(after: 0)
            #expect(events.contains { $0.type == "file.changed" && $0.data["id"] == id })
            #expect(events.contains { $0.type == "file.removed" && $0.data["id"] == trashed.id })
            #expect(events.contains { $0.type == "file.removed" && $0.data["id"] == deleted.id })

            let again = try await driveSync.applyChanges(account: "emu", state: state, events: jobs.events)
            #expect(again.changed == 0 && again.removed == 0, "nothing is applied twice")
            #expect(try await jobs.events.events(after: events.last?.id ?? 0).isEmpty)
        }
    }

    @Test func firstRunsTogetherAllNoteTheStartWithoutFailing() async throws {
        try await withRunningEmulator { emulator in
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("first-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: home) }
            let driveSync = ChannelUpkeepTests.driveSync(emulator, home: home, publicURL: nil)
            let jobs = try await driveSync.openJobs()
            defer { Task { await jobs.close() } }
            let state = jobs.service.state
            try await withThrowingTaskGroup(of: DriveSync.AppliedChanges.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await driveSync.applyChanges(account: "emu", state: state, events: jobs.events)
                    }
                }
                for try await applied in group { #expect(applied == .init()) }
            }
            #expect(try await state.changeCursor(account: "emu") != nil)
        }
    }

    @Test func aBurstOfRequestsQueuesOneRun() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("burst-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        var configuration = Configuration()
        configuration.accounts = [Configuration.Account(name: "emu", endpoint: "http://127.0.0.1:9", accessToken: "t")]
        let jobs = try await DriveSync(configuration: configuration, home: home).openJobs()
        defer { Task { await jobs.close() } }
        var ids: Set<String> = []
        for _ in 0..<100 { ids.insert(try await jobs.applyChanges(account: "emu").id) }
        #expect(ids.count == 1)
        let queued = try await jobs.list(JobFilter(kinds: [DriveSync.applyChangesKind], limit: 10))
        #expect(queued.count == 1)
        await #expect(throws: (any Error).self) { _ = try await jobs.applyChanges(account: "nobody") }
    }
}
