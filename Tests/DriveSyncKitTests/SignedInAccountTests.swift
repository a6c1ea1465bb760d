import DriveAuth
import DriveEmulator
import DriveSyncCore
import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import NIOHTTP1
import SyncEngine
import Testing

struct SignedInAccountTests {
    @Test func aSignedInAccountSyncsAndARevokedOneChangesNothing() async throws {
        try await withRunningEmulator { emulator in
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("signed-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: home) }
            try FileManager.default.createDirectory(atPath: home + "/Data", withIntermediateDirectories: true)
            try Data("hello".utf8).write(to: URL(fileURLWithPath: home + "/Data/a.txt"))
            let driveSync = DriveSync(configuration: Configuration(), home: home)
            let flows = LoginFlows(store: driveSync.credentialStore)
            _ = try await flows.loginWithBrowser(
                .init(account: "work", endpoint: emulator.baseURL, clientID: "cid", clientSecret: "s")
            ) { url in
                let consent = try await emulator.send(.GET, url, authorized: false)
                _ = try await emulator.send(.GET, try #require(consent.header("location")), authorized: false)
            }
            #expect(driveSync.accountNames == ["work"])
            #expect(try driveSync.defaultAccountName() == "work", "the only account is what drive: means")

            var request = DriveSync.SyncRequest(
                source: home + "/Data",
                destination: .drive(account: nil, path: try RemotePath("Notes"))
            )
            #expect(try await driveSync.sync(request).report?.failures.isEmpty == true)

            // Revoked elsewhere: the next run stops before changing anything, and says what to do.
            let stored = try #require(try driveSync.credentialStore.load("work"))
            _ = try await emulator.send(.POST, "/revoke?token=\(stored.refreshToken!)", authorized: false)
            try Data("changed".utf8).write(to: URL(fileURLWithPath: home + "/Data/a.txt"))
            request.destination = .drive(account: "work", path: try RemotePath("Notes"))
            let thrown = await #expect(throws: (any Error).self) { _ = try await driveSync.sync(request) }
            #expect("\(thrown!)".contains("drivesync auth login work"))
            let log = try driveSync.logs.uploads!.entries(as: UploadLogEntry.self)
            #expect(log.last?.status == .authFailed)
            #expect(!log.contains { "\($0)".contains(stored.refreshToken!) }, "no token in the log")
        }
    }
}
