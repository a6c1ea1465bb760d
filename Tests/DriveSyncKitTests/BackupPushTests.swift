import Backup
import DriveSyncCore
import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import SyncEngine
import Testing

struct BackupPushTests {
    @Test func versionsGoToDriveThroughTheSyncEngine() async throws {
        try await withRunningEmulator { emulator in
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("push-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: home) }
            try FileManager.default.createDirectory(atPath: home + "/project", withIntermediateDirectories: true)
            try Data("notes".utf8).write(to: URL(fileURLWithPath: home + "/project/notes.md"))
            for day in 0..<2 {
                _ = try BackupRunner(
                    source: home + "/project",
                    destination: home + "/backups/versions",
                    now: { Date(timeIntervalSince1970: 1_714_566_896 + Double(day) * 86_400) }
                ).versioned()
            }
            var configuration = Configuration()
            try configuration.apply(
                "[account emu]\nendpoint = \(emulator.baseURL)\naccess_token = \(emulator.token)\npacing = none\n",
                from: "test"
            )
            let driveSync = DriveSync(configuration: configuration, home: home + "/data")
            var request = DriveSync.SyncRequest(
                source: home + "/backups",
                destination: .drive(account: nil, path: try RemotePath("Project"))
            )
            request.dryRun = true
            let pending = try await driveSync.sync(request)
            #expect(
                pending.plan.actions.count == 7,
                "3 folders, 2 version trees of 1 file, 2 records: \(pending.plan.actions)"
            )
            request.dryRun = false
            #expect(try await driveSync.sync(request).report?.failures.isEmpty == true)
            #expect(try await driveSync.check(source: home + "/backups", destination: request.destination).isIdentical)
            #expect(try await driveSync.sync(request).plan.isEmpty, "a second push sends nothing")
        }
    }
}
