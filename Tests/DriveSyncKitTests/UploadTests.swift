import DriveSyncCore
import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import SyncEngine
import Testing

struct UploadTests {
    @Test func oneFileGoesToItsMirroredPathWithTheEngineRules() async throws {
        try await withRunningEmulator { emulator in
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("kit-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: home) }
            let data = home + "/Data"
            try FileManager.default.createDirectory(atPath: data + "/memory", withIntermediateDirectories: true)
            let file = data + "/memory/a.json"
            try Data("{\"v\":1}".utf8).write(to: URL(fileURLWithPath: file))
            var configuration = Configuration()
            try configuration.apply(
                "[account emu]\nendpoint = \(emulator.baseURL)\naccess_token = \(emulator.token)\npacing = none\n",
                from: "test"
            )
            let driveSync = DriveSync(configuration: configuration, home: home)
            let target = Location.drive(account: nil, path: try RemotePath("MemoryVDB"))

            let first = try await driveSync.upload(file: file, root: data, to: target, tags: ["memory"], note: "saved")
            #expect(
                first.status == .success && first.attempts == 1 && first.remotePath == "drive:MemoryVDB/memory/a.json"
                    && first.remoteID != nil
            )
            let again = try await driveSync.upload(file: file, root: data, to: target)
            #expect(again.status == .skipped && again.notes == ["unchanged since the last upload"])
            let forced = try await driveSync.upload(file: file, root: data, to: target, force: true)
            #expect(
                forced.status == .success
                    && forced.notes.first?.contains("kept the previous remote copy as Archive/memory/a_") == true
            )

            try Data("{\"v\":2}".utf8).write(to: URL(fileURLWithPath: file))
            let changed = try await driveSync.upload(file: file, root: data, to: target)
            #expect(changed.status == .success && changed.remoteID != first.remoteID)
            let log = try driveSync.logs.uploads!.entries(as: UploadLogEntry.self)
            #expect(log.map(\.status) == [.success, .skipped, .success, .success])
            #expect(log.first?.tags == ["memory"] && log.first?.note == "saved")
            #expect(try driveSync.logs.archives!.entries(as: ArchiveLogEntry.self).count == 2)

            // A later sync of the folder agrees with what the single uploads did.
            var request = DriveSync.SyncRequest(source: data, destination: target)
            request.dryRun = true
            #expect(try await driveSync.sync(request).plan.actions == [.adoptFolder(try RemotePath("memory"))])

            await #expect(throws: DriveSyncError.self) {
                _ = try await driveSync.upload(file: "/etc/hostname", root: data, to: target)
            }
        }
    }

    @Test func missingCredentialsAreAResultNotACrash() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("kit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.createDirectory(atPath: home + "/Data", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: home + "/Data/x.txt"))
        var configuration = Configuration()
        try configuration.apply("[account work]\nendpoint = http://127.0.0.1:9\n", from: "test")
        let driveSync = DriveSync(configuration: configuration, home: home)
        let result = try await driveSync.upload(
            file: home + "/Data/x.txt",
            root: home + "/Data",
            to: .drive(account: "work", path: try RemotePath("X"))
        )
        #expect(result.status == .tokenMissing && result.error?.contains("drivesync auth login work") == true)
        #expect(try driveSync.logs.uploads!.entries(as: UploadLogEntry.self).map(\.status) == [.tokenMissing])
    }
}
