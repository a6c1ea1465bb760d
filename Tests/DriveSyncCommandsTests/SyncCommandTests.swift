import ArgumentParser
@testable import DriveSyncCommands
import Foundation
import SyncEngine
import SyncState
import Testing

struct SyncCommandTests {
    @Test func syncsToTheEmbeddedDriveThenHasNothingToDo() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("home-\(UUID().uuidString)").path
        let source = FileManager.default.temporaryDirectory.appendingPathComponent("src-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: source)
        }
        try FileManager.default.createDirectory(atPath: source + "/memory", withIntermediateDirectories: true)
        try Data("note".utf8).write(to: URL(fileURLWithPath: source + "/notes.md"))
        try Data("{}".utf8).write(to: URL(fileURLWithPath: source + "/memory/a.json"))
        let command = try #require(try DriveSyncCommand.parseAsRoot(["sync", source, "drive:MemoryVDB"]) as? SyncCommand)
        let first = try await command.perform(home: home)
        #expect(first.report?.failures.isEmpty == true)
        #expect(first.report?.completed.count == 3)
        let second = try await command.perform(home: home)
        #expect(second.plan.isEmpty, "a second run has nothing to do")

        try Data("changed note".utf8).write(to: URL(fileURLWithPath: source + "/notes.md"))
        let dry = try await (try #require(try DriveSyncCommand.parseAsRoot(["sync", source, "drive:MemoryVDB", "--dry-run"]) as? SyncCommand)).perform(home: home)
        #expect(dry.report == nil)
        #expect(dry.plan.actions.count == 1)
        #expect(try await command.perform(home: home).report?.archived.count == 1, "the old remote copy was archived")

        // While another sync holds the state, a second one is refused with a clear message.
        let lockPath = try #require(try FileManager.default.contentsOfDirectory(atPath: home + "/state").first { $0.hasSuffix(".sqlite") })
        let lock = try SyncLock.acquire(at: home + "/state/" + lockPath.replacingOccurrences(of: ".sqlite", with: ".lock"))
        defer { lock.release() }
        let refused = await #expect(throws: CommandError.self) { _ = try await command.perform(home: home) }
        #expect(refused?.description.contains("another sync") == true)
    }

    @Test func badInputIsRefusedWithNothingChanged() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("home-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        let command = try #require(try DriveSyncCommand.parseAsRoot(["sync", "/nonexistent-\(UUID().uuidString)"]) as? SyncCommand)
        await #expect(throws: CommandError.self) { _ = try await command.perform(home: home) }
        #expect(!FileManager.default.fileExists(atPath: home + "/drive"))
        #expect(throws: (any Error).self) { try DriveSyncCommand.parseAsRoot(["sync", "/tmp", "s3:bucket"]) }
        #expect(throws: (any Error).self) { try DriveSyncCommand.parseAsRoot(["sync", "/tmp", "drive:x", "--transfers", "0"]) }
    }
}
