import DriveSyncCore
import SyncEngine
import SyncState
import Testing

struct ChangeFeedFilterTests {
    let state = [
        SyncedItem(
            path: try! RemotePath("notes"),
            kind: .folder,
            size: 0,
            modified: 0,
            md5: nil,
            remoteID: "F",
            remoteMD5: nil,
            remoteModified: nil
        ),
        SyncedItem(
            path: try! RemotePath("notes/a.md"),
            size: 1,
            modified: 1,
            md5: "m1",
            remoteID: "A",
            remoteMD5: "m1",
            remoteModified: 1
        ),
        SyncedItem(
            path: try! RemotePath("top.txt"),
            size: 1,
            modified: 1,
            md5: "m2",
            remoteID: "T",
            remoteMD5: "m2",
            remoteModified: 1
        ),
    ]

    func relevant(_ change: RemoteChange) -> Bool {
        !ChangeFeedFilter.relevant([change], state: state, rootID: "ROOT").isEmpty
    }

    @Test func theSyncsOwnWritesDoNotMatter() {
        #expect(!relevant(RemoteChange(id: "A", removed: false, name: "a.md", parentIDs: ["F"], md5: "m1")))
        #expect(!relevant(RemoteChange(id: "F", removed: false, name: "notes", parentIDs: ["ROOT"], isFolder: true)))
        // Moved into the archive or trashed by the sync: gone from the tree, no longer in the state.
        #expect(!relevant(RemoteChange(id: "OLD", removed: false, name: "a_2024.md", parentIDs: ["ARCHIVE"])))
        #expect(!relevant(RemoteChange(id: "OLD2", removed: true)))
        // Elsewhere in the drive.
        #expect(!relevant(RemoteChange(id: "X", removed: false, name: "x", parentIDs: ["OTHER"])))
    }

    @Test func changesToTheTreeMatter() {
        #expect(relevant(RemoteChange(id: "A", removed: false, name: "a.md", parentIDs: ["F"], md5: "edited")))
        #expect(relevant(RemoteChange(id: "A", removed: true)))
        #expect(relevant(RemoteChange(id: "A", removed: false, name: "renamed.md", parentIDs: ["F"], md5: "m1")))
        #expect(relevant(RemoteChange(id: "A", removed: false, name: "a.md", parentIDs: ["ROOT"], md5: "m1")))
        #expect(relevant(RemoteChange(id: "NEW", removed: false, name: "new.md", parentIDs: ["F"])))
        #expect(relevant(RemoteChange(id: "NEW", removed: false, name: "new.md", parentIDs: ["ROOT"])))
        #expect(relevant(RemoteChange(id: "T", removed: false, name: "top.txt", parentIDs: ["ROOT"], isFolder: true)))
    }

    @Test func aStateWithoutItsFoldersCannotBeTrusted() {
        #expect(ChangeFeedFilter.coversTree(state))
        #expect(!ChangeFeedFilter.coversTree(Array(state.dropFirst())))
    }
}
