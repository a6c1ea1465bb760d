import DriveSyncCore
import Foundation
import SyncState
import Testing

struct StateStoreTests {
    func item(_ path: String, remoteID: String = "id1") -> SyncedItem {
        SyncedItem(
            path: try! RemotePath(path),
            size: 3,
            modified: 1000,
            md5: "m",
            remoteID: remoteID,
            remoteMD5: "m",
            remoteModified: 2000,
            lastSynced: 3000
        )
    }

    @Test func recordsAndForgetsSyncedItems() async throws {
        let store = try StateStore(path: nil)
        try await store.recordSynced(item("b/c.txt"))
        try await store.recordSynced(item("a.txt"))
        try await store.recordSynced(item("a.txt", remoteID: "id2"))
        let items = try await store.syncedItems()
        #expect(items.map(\.path.description) == ["a.txt", "b/c.txt"])
        #expect(try await store.syncedItem(at: try RemotePath("a.txt"))?.remoteID == "id2")
        try await store.forget(try RemotePath("a.txt"))
        #expect(try await store.syncedItems().count == 1)
    }

    @Test func intentsClearWhenTheTransferIsRecorded() async throws {
        let store = try StateStore(path: nil)
        let path = try RemotePath("new.txt")
        try await store.recordIntent("pre-generated", for: path)
        #expect(try await store.intendedID(for: path) == "pre-generated")
        #expect(try await store.pendingIntents() == [path: "pre-generated"])
        try await store.recordSynced(item("new.txt", remoteID: "pre-generated"))
        #expect(try await store.pendingIntents().isEmpty)
    }

    @Test func failuresCountAttemptsAndClearOnSuccess() async throws {
        let store = try StateStore(path: nil)
        let path = try RemotePath("flaky.txt")
        #expect(try await store.recordFailure(path, error: "503", at: 1, tags: ["a", "b"], note: "n") == 1)
        #expect(try await store.recordFailure(path, error: "429", at: 2, tags: ["a", "b"], note: "n") == 2)
        let failed = try #require(try await store.failedUploads().first)
        #expect(failed.attempts == 2 && failed.lastError == "429" && failed.tags == ["a", "b"] && failed.note == "n")
        try await store.recordSynced(item("flaky.txt"))
        #expect(try await store.failedUploads().isEmpty)
    }

    @Test func folderRecordsAndThePairPersist() async throws {
        let store = try StateStore(path: nil)
        try await store.recordSynced(
            SyncedItem(
                path: try RemotePath("Notes"),
                kind: .folder,
                size: 0,
                modified: 0,
                md5: nil,
                remoteID: "f1",
                remoteMD5: nil,
                remoteModified: nil
            )
        )
        #expect(try await store.syncedItems().first?.kind == .folder)
        try await store.setPair(SyncPair(source: "/src", destination: "drive:X"))
        #expect(try await store.pair() == SyncPair(source: "/src", destination: "drive:X"))
        try await store.setCursor("7")
        try await store.clearSynced()
        #expect(try await store.syncedItems().isEmpty)
        #expect(try await store.cursor() == nil)
    }

    @Test func stateSurvivesReopening() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString).sqlite")
            .path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        do {
            let store = try StateStore(path: path)
            try await store.recordSynced(item("kept.txt"))
            try await store.setCursor("42")
            try await store.saveSessionBody([1, 2, 3], for: "big.bin")
        }
        let reopened = try StateStore(path: path)
        #expect(try await reopened.syncedItems().map(\.path.description) == ["kept.txt"])
        #expect(try await reopened.cursor() == "42")
        #expect(try await reopened.sessionBody(for: "big.bin") == [1, 2, 3])
        try await reopened.removeSessionBody(for: "big.bin")
        #expect(try await reopened.sessionBody(for: "big.bin") == nil)
    }
}
