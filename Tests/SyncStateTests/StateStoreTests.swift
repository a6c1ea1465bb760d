import DriveSyncCore
import Foundation
import SyncState
import Testing

struct StateStoreTests {
    func item(_ path: String, remoteId: String = "id1") -> SyncedItem {
        SyncedItem(path: try! RemotePath(path), size: 3, modified: 1000, md5: "m", remoteId: remoteId, remoteMD5: "m", remoteModified: 2000, lastSynced: 3000)
    }

    @Test func recordsAndForgetsSyncedItems() async throws {
        let store = try StateStore(path: nil)
        try await store.recordSynced(item("b/c.txt"))
        try await store.recordSynced(item("a.txt"))
        try await store.recordSynced(item("a.txt", remoteId: "id2"))
        let items = try await store.syncedItems()
        #expect(items.map(\.path.description) == ["a.txt", "b/c.txt"])
        #expect(try await store.syncedItem(at: try RemotePath("a.txt"))?.remoteId == "id2")
        try await store.forget(try RemotePath("a.txt"))
        #expect(try await store.syncedItems().count == 1)
    }

    @Test func intentsClearWhenTheTransferIsRecorded() async throws {
        let store = try StateStore(path: nil)
        let path = try RemotePath("new.txt")
        try await store.recordIntent(path: path, remoteId: "pre-generated", at: 1)
        #expect(try await store.pendingIntents() == [path: "pre-generated"])
        try await store.recordSynced(item("new.txt", remoteId: "pre-generated"))
        #expect(try await store.pendingIntents().isEmpty)
    }

    @Test func stateSurvivesReopening() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString).sqlite").path
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
