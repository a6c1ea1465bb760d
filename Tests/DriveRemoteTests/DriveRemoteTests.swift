import AsyncHTTPClient
import DriveAPI
import DriveEmulator
import DriveRemote
import DriveSyncCore
import DriveSyncTestSupport
import Foundation
import Testing

func makeDrive(_ emulator: RunningEmulator) -> DriveClient {
    DriveClient(
        httpClient: .shared,
        tokens: FixedAccessToken(emulator.token),
        configuration: .init(
            baseURL: emulator.baseURL,
            retry: RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5), jitter: .zero)
        ),
        pacer: RequestPacer(configuration: .unlimited)
    )
}

/// A remote at the top of My Drive on a running emulator, and a one-byte local file to upload from.
func withRootRemote(
    _ body: @escaping @Sendable (DriveClient, DriveFolderRemote, _ localFile: String) async throws -> Void
) async throws {
    try await withRunningEmulator { emulator in
        let drive = makeDrive(emulator)
        let remote = try await DriveFolderRemote.atPath(.root, drive: drive)
        let local = FileManager.default.temporaryDirectory.appendingPathComponent("dr-\(UUID().uuidString)")
        try Data("x".utf8).write(to: local)
        defer { try? FileManager.default.removeItem(at: local) }
        try await body(drive, remote, local.path)
    }
}

struct DriveRemoteTests {
    @Test func driveFolderConforms() async throws {
        try await withRunningEmulator { emulator in
            let remote = try await DriveFolderRemote.atPath(try RemotePath("MemoryVDB"), drive: makeDrive(emulator))
            try await RemoteConformance.run(remote)
        }
    }

    @Test func concurrentUploadsIntoANewFolderMakeItOnce() async throws {
        try await withRootRemote { drive, remote, local in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        _ = try await remote.upload(
                            from: local,
                            to: try RemotePath("new/deep/f\(index).txt"),
                            modified: Date()
                        )
                    }
                }
                try await group.waitForAll()
            }
            let folders = try await drive.allFiles(query: .isFolder && .notTrashed, fields: "id,name")
            #expect(folders.compactMap(\.name).sorted() == ["deep", "new"])
            #expect(try await remote.list(try RemotePath("new/deep")).count == 8)
        }
    }

    /// Drive's `name =` ignores case: a path still means only the name as written.
    @Test func namesDifferingInCaseAreDifferentFiles() async throws {
        try await withRootRemote { drive, remote, local in
            _ = try await remote.upload(from: local, to: try RemotePath("Docs/Notes.md"), modified: Date())
            #expect(try await remote.entry(at: try RemotePath("docs/notes.md")) == nil)
            #expect(try await remote.entry(at: try RemotePath("Docs/notes.md")) == nil)
            _ = try await remote.upload(from: local, to: try RemotePath("docs/notes.md"), modified: Date())
            let folders = try await drive.allFiles(query: .isFolder && .notTrashed, fields: "id,name")
            #expect(folders.compactMap(\.name).sorted() == ["Docs", "docs"])
            #expect(try await remote.entry(at: try RemotePath("Docs/Notes.md")) != nil)
            #expect(try await remote.entry(at: try RemotePath("docs/notes.md")) != nil)
        }
    }
}

struct InterruptedUploadTests {
    @Test func anInterruptedUploadContinuesOnTheNextRun() async throws {
        try await withRunningEmulator { emulator in
            let drive = DriveClient(
                httpClient: .shared,
                tokens: FixedAccessToken(emulator.token),
                configuration: .init(
                    baseURL: emulator.baseURL,
                    multipartCutoff: 256 * 1024,
                    chunkSize: 256 * 1024,
                    retry: RetryPolicy(
                        maxAttempts: 3,
                        baseDelay: .milliseconds(1),
                        maxDelay: .milliseconds(2),
                        jitter: .zero
                    )
                ),
                pacer: RequestPacer(configuration: .unlimited)
            )
            let store = InMemorySessionStore()
            let local = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString)")
            try Data((0..<(6 * 256 * 1024)).map { UInt8(truncatingIfNeeded: $0) }).write(to: local)
            defer { try? FileManager.default.removeItem(at: local) }
            let path = try RemotePath("big.bin")
            let modified = Date(timeIntervalSince1970: 1_700_000_000)
            // The first run dies after two chunks (a fatal answer stands in for the kill).
            emulator.emulator.faults.add(
                FaultRule(method: "PUT", path: "/upload/", count: 2, action: .latency(milliseconds: 0))
            )
            emulator.emulator.faults.add(
                FaultRule(
                    method: "PUT",
                    path: "/upload/",
                    count: 1,
                    action: .status(code: 400, reason: "badRequest", message: "killed", retryAfter: nil, html: nil)
                )
            )
            let first = try await DriveFolderRemote.atPath(.root, drive: drive, sessionStore: store)
            await #expect(throws: (any Error).self) {
                _ = try await first.upload(from: local.path, to: path, modified: modified)
            }
            emulator.emulator.faults.resetCallCounts()
            let second = try await DriveFolderRemote.atPath(.root, drive: drive, sessionStore: store)
            let entry = try await second.upload(from: local.path, to: path, modified: modified)
            #expect(entry.size == 6 * 256 * 1024)
            #expect(
                emulator.emulator.faults.callCounts["files.create"] == 5,
                "a status query and the four remaining chunks"
            )
            #expect(try await drive.allFiles(query: .name(is: "big.bin")).count == 1)
        }
    }
}
