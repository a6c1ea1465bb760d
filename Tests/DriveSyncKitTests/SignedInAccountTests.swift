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
            #expect(try await driveSync.accountNames() == ["work"])
            #expect(try await driveSync.defaultAccountName() == "work", "the only account is what drive: means")

            var request = DriveSync.SyncRequest(
                source: home + "/Data",
                destination: .drive(account: nil, path: try RemotePath("Notes"))
            )
            #expect(try await driveSync.sync(request).report?.failures.isEmpty == true)

            // Revoked elsewhere: the next run stops before changing anything, and says what to do.
            let stored = try #require(try await driveSync.credentialStore.load("work"))
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

    /// Machines of one service share accounts through its database: signed in on one (even before the
    /// database existed), usable on another that has the same key, refreshed tokens seen by all, and
    /// signed out everywhere at once — while a later sign-in on a machine still reaches the others.
    @Test(arguments: TestDatabaseBackend.allCases)
    func machinesShareAccountsThroughTheServiceDatabase(_ backend: TestDatabaseBackend) async throws {
        try await withRunningEmulator { emulator in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shared-\(UUID().uuidString)")
                .path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let database = try await backend.freshLocation().description
            let first = DriveSync(home: folder + "/first")
            let second = DriveSync(home: folder + "/second")
            func signIn(_ driveSync: DriveSync) async throws {
                _ = try await LoginFlows(store: driveSync.credentialStore).loginWithBrowser(
                    .init(account: "work", endpoint: emulator.baseURL, clientID: "cid", clientSecret: "s")
                ) { url in
                    let consent = try await emulator.send(.GET, url, authorized: false)
                    _ = try await emulator.send(.GET, try #require(consent.header("location")), authorized: false)
                }
            }
            try await signIn(first)
            try FileManager.default.createDirectory(atPath: second.home, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: first.home + "/credentials.key",
                toPath: second.home + "/credentials.key"
            )

            try await first.withServiceDatabase(database) { firstDatabase in
                try await second.withServiceDatabase(database) { secondDatabase in
                    let firstShared = first.sharingCredentials(in: firstDatabase)
                    let secondShared = second.sharingCredentials(in: secondDatabase)
                    #expect(try await second.accountNames() == [], "nothing in the second data folder")
                    #expect(try await firstShared.accountNames() == ["work"], "copied into the database")
                    #expect(try await secondShared.accountNames() == ["work"])

                    try FileManager.default.createDirectory(atPath: folder + "/Data", withIntermediateDirectories: true)
                    try Data("shared".utf8).write(to: URL(fileURLWithPath: folder + "/Data/a.txt"))
                    let request = DriveSync.SyncRequest(
                        source: folder + "/Data",
                        destination: .drive(account: "work", path: try RemotePath("Shared"))
                    )
                    #expect(try await secondShared.sync(request).report?.failures.isEmpty == true)
                    #expect(!FileManager.default.fileExists(atPath: second.home + "/credentials/work.credential"))

                    var refreshed = try #require(try await secondShared.credentialStore.load("work"))
                    refreshed.accessToken = "refreshed-elsewhere"
                    try await secondShared.credentialStore.save(refreshed)
                    #expect(try await firstShared.credentialStore.load("work")?.accessToken == "refreshed-elsewhere")

                    _ = try await firstShared.logout("work")
                    #expect(try await firstShared.accountNames() == [])
                    #expect(try await secondShared.accountNames() == [], "signed out on every machine")
                    #expect(try await first.accountNames() == [], "and gone from the data folder")

                    try await signIn(second)
                    #expect(try await secondShared.accountNames() == ["work"], "a later sign-in wins")
                    #expect(try await firstShared.accountNames() == ["work"])
                    let signedIn = try #require(try await firstShared.credentialStore.load("work"))
                    #expect(signedIn.accessToken != "refreshed-elsewhere")
                }
            }
        }
    }
}
