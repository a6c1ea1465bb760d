import DriveSyncCore
import Foundation
import GRDB
import Testing

@testable import SyncState

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
        try await store.items.recordSynced(item("b/c.txt"))
        try await store.items.recordSynced(item("a.txt"))
        try await store.items.recordSynced(item("a.txt", remoteID: "id2"))
        let items = try await store.items.syncedItems()
        #expect(items.map(\.path.description) == ["a.txt", "b/c.txt"])
        #expect(try await store.items.syncedItem(at: try RemotePath("a.txt"))?.remoteID == "id2")
        try await store.items.forget(try RemotePath("a.txt"))
        #expect(try await store.items.syncedItems().count == 1)
    }

    @Test func intentsClearWhenTheTransferIsRecorded() async throws {
        let store = try StateStore(path: nil)
        let path = try RemotePath("new.txt")
        #expect(try await store.intents.claimID(for: path, newID: "pre-generated") == "pre-generated")
        #expect(try await store.intents.claimID(for: path, newID: "another") == "pre-generated", "the noted ID wins")
        #expect(try await store.intents.pendingIntents() == [path: "pre-generated"])
        try await store.items.recordSynced(item("new.txt", remoteID: "pre-generated"))
        #expect(try await store.intents.pendingIntents().isEmpty)
    }

    @Test func failuresCountAttemptsAndClearOnSuccess() async throws {
        let store = try StateStore(path: nil)
        let path = try RemotePath("flaky.txt")
        #expect(try await store.failures.recordFailure(path, error: "503", at: 1, tags: ["a", "b"], note: "n") == 1)
        #expect(try await store.failures.recordFailure(path, error: "429", at: 2, tags: ["a", "b"], note: "n") == 2)
        let failed = try #require(try await store.failures.failedUploads().first)
        #expect(failed.attempts == 2 && failed.lastError == "429" && failed.tags == ["a", "b"] && failed.note == "n")
        try await store.items.recordSynced(item("flaky.txt"))
        #expect(try await store.failures.failedUploads().isEmpty)
    }

    @Test func folderRecordsAndThePairPersist() async throws {
        let store = try StateStore(path: nil)
        try await store.items.recordSynced(
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
        #expect(try await store.items.syncedItems().first?.kind == .folder)
        try await store.pairs.setPair(SyncPair(source: "/src", destination: "drive:X"))
        #expect(try await store.pairs.pair() == SyncPair(source: "/src", destination: "drive:X"))
        try await store.tree.setCursor("7")
        try await store.items.clearSynced()
        #expect(try await store.items.syncedItems().isEmpty)
        #expect(try await store.tree.cursor() == nil)
    }

    @Test func stateSurvivesReopening() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString).sqlite")
            .path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        do {
            let store = try StateStore(path: path)
            try await store.items.recordSynced(item("kept.txt"))
            try await store.tree.setCursor("42")
            try await store.sessions.saveSessionBody([1, 2, 3], for: "big.bin")
        }
        let reopened = try StateStore(path: path)
        #expect(try await reopened.items.syncedItems().map(\.path.description) == ["kept.txt"])
        #expect(try await reopened.tree.cursor() == "42")
        #expect(try await reopened.sessions.sessionBody(for: "big.bin") == [1, 2, 3])
        try await reopened.sessions.removeSessionBody(for: "big.bin")
        #expect(try await reopened.sessions.sessionBody(for: "big.bin") == nil)
    }

    @Test func eachStoreWorksOverAWriterOpenedOutside() async throws {
        let writer = try StateDatabase.open(path: nil)
        let tree = RemoteTreeStore(writer)
        let folder = RemoteNode(id: "f", name: "Notes", parentIDs: ["root"], kind: .folder, mimeType: "folder/x")
        let document = RemoteNode(id: "d", name: "Plan", parentIDs: ["f"], kind: .document, mimeType: "doc/x")
        try await tree.updateRemoteNodes(upserted: [folder, document], removed: nil, cursor: "9")
        // Another store over the same writer sees the same database.
        #expect(Set(try await StateStore(writer).tree.remoteNodes()) == [folder, document])
        #expect(try await tree.cursor() == "9")
        try await tree.updateRemoteNodes(upserted: [], removed: ["d"], cursor: "10")
        #expect(try await tree.remoteNodes().map(\.kind) == [.folder])
    }

    @Test func aTreeStoredBeforeKindsIsDroppedWithItsCursor() async throws {
        let writer = try DatabaseQueue()
        try StateDatabase.migrator.migrate(writer, upTo: "v4")
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO remoteNode (id, name, parents, mimeType, size, modified, created, canDownload)
                    VALUES ('f', X'4E6F746573', 'root', 'application/vnd.google-apps.folder', 0, 0, 0, 1)
                    """
            )
            try db.execute(sql: "INSERT INTO cursor (name, value) VALUES ('changes', '5')")
        }
        try StateDatabase.migrator.migrate(writer)
        let store = StateStore(writer)
        #expect(try await store.tree.remoteNodes().isEmpty, "the next pull lists the tree again, with kinds")
        #expect(try await store.tree.cursor() == nil)
    }
}
