import AsyncHTTPClient
import DriveAPI
import DriveRemote
import DriveSyncCore
import DriveSyncTestSupport
import Foundation
import Testing

func makeDrive(_ emulator: RunningEmulator) -> DriveClient {
    DriveClient(
        httpClient: .shared, tokens: FixedAccessToken(emulator.token),
        configuration: .init(baseURL: emulator.baseURL, retry: RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5), jitter: .zero)),
        pacer: RequestPacer(configuration: .unlimited)
    )
}

struct DriveRemoteTests {
    @Test func driveFolderConforms() async throws {
        try await withRunningEmulator { emulator in
            let remote = try await DriveFolderRemote.atPath(try RemotePath("MemoryVDB"), drive: makeDrive(emulator))
            try await RemoteConformance.run(remote)
        }
    }

    @Test func concurrentUploadsIntoANewFolderMakeItOnce() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeDrive(emulator)
            let remote = try await DriveFolderRemote.atPath(.root, drive: drive)
            let local = FileManager.default.temporaryDirectory.appendingPathComponent("dr-\(UUID().uuidString)")
            try Data("x".utf8).write(to: local)
            defer { try? FileManager.default.removeItem(at: local) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<8 {
                    group.addTask { _ = try await remote.upload(from: local.path, to: try RemotePath("new/deep/f\(index).txt"), modified: Date()) }
                }
                try await group.waitForAll()
            }
            let folders = try await drive.allFiles(query: .isFolder && .notTrashed, fields: "id,name")
            #expect(folders.compactMap(\.name).sorted() == ["deep", "new"])
            #expect(try await remote.list(try RemotePath("new/deep")).count == 8)
        }
    }
}
