import ArgumentParser
import DriveSyncKit
import Foundation
import SyncEngine
import Testing

@testable import DriveSyncCommands

struct PullCommandTests {
    @Test func pullsFromTheEmbeddedDriveThenFollowsTheFeed() async throws {
        let scratch = Scratch()
        let destination = scratch.source + "-pulled"
        defer {
            scratch.cleanUp()
            try? FileManager.default.removeItem(atPath: destination)
        }
        try scratch.write("notes.md", "note")
        try scratch.write("memory/a.json", "{}")
        _ = try await (try parse(["sync", scratch.source, "drive:MemoryVDB"], as: SyncCommand.self)).perform(
            home: scratch.home
        )
        let preview = try await
            (try parse(["pull", "drive:MemoryVDB", destination, "--dry-run"], as: PullCommand.self)).perform(
                home: scratch.home
            )
        #expect(
            preview.actions.count == 3 && !FileManager.default.fileExists(atPath: destination),
            "a dry run makes nothing"
        )
        let pull: PullCommand = try parse(["pull", "drive:MemoryVDB", destination, "--delete"])
        let first = try await pull.perform(home: scratch.home)
        #expect(first.report?.downloaded == 2 && first.report?.failures.isEmpty == true)
        #expect(try String(contentsOfFile: destination + "/memory/a.json", encoding: .utf8) == "{}")
        let again = try await pull.perform(home: scratch.home)
        #expect(again.actions.isEmpty && again.remoteView == .fromChangesFeed)

        // Removed on Drive (to Drive's trash, so not moved into the sync's Archive/ folder).
        try FileManager.default.removeItem(atPath: scratch.source + "/notes.md")
        let config = scratch.home + "/trash.ini"
        try Data("[defaults]\nremovals = trash\n".utf8).write(to: URL(fileURLWithPath: config))
        _ = try await
            (try parse(
                ["sync", scratch.source, "drive:MemoryVDB", "--delete", "--config", config],
                as: SyncCommand.self
            )).perform(home: scratch.home)
        let dry = try await
            (try parse(["pull", "drive:MemoryVDB", destination, "--delete", "--dry-run"], as: PullCommand.self))
            .perform(home: scratch.home)
        #expect(dry.report == nil && dry.actions.map(PullCommand.describe) == ["move notes.md to the trash"])
        #expect(FileManager.default.fileExists(atPath: destination + "/notes.md"), "a dry run changes nothing")
        #expect(try await pull.perform(home: scratch.home).report?.trashed == 1)
        #expect(!FileManager.default.fileExists(atPath: destination + "/notes.md"))
    }

    @Test func badInputIsRefused() async throws {
        let scratch = Scratch()
        defer { scratch.cleanUp() }
        for arguments in [
            ["pull", "drive:x", "/tmp/y", "--shortcuts", "maybe"],
            ["pull", "drive:x", "/tmp/y", "--export-formats", "docx,doc"],
            ["pull", "drive:x", "/tmp/y", "--transfers", "0"], ["pull", "drive:x"],
        ] {
            #expect(throws: (any Error).self) { try DriveSyncCommand.parseAsRoot(arguments) }
        }
        let fromLocal: PullCommand = try parse(["pull", "/tmp", scratch.source])
        await #expect(throws: DriveSyncError.self) { _ = try await fromLocal.perform(home: scratch.home) }
        try scratch.write("file", "x")
        let intoAFile: PullCommand = try parse(["pull", "drive:x", scratch.source + "/file"])
        await #expect(throws: DriveSyncError.self) { _ = try await intoAFile.perform(home: scratch.home) }
        let missing: PullCommand = try parse(["pull", "drive:does-not-exist", scratch.source + "/out"])
        await #expect(throws: (any Error).self) { _ = try await missing.perform(home: scratch.home) }
        #expect(
            !FileManager.default.fileExists(atPath: scratch.source + "/out"),
            "nothing made for a source that does not exist"
        )
        let unknownDrive: PullCommand = try parse(["pull", "drive:", scratch.source + "/out", "--shared-drive", "Nope"])
        let refused = await #expect(throws: DriveSyncError.self) {
            _ = try await unknownDrive.perform(home: scratch.home)
        }
        #expect(refused?.description.contains("no shared drive 'Nope'") == true)
    }
}
