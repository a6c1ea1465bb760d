import DriveSyncCore
import Foundation
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

    /// The state's view with the feed's changes applied, as paths with their IDs and MD5s.
    func applied(_ changes: [RemoteChange]) -> [String: String]? {
        let view = ChangeFeedFilter.remoteView(from: state)
        return ChangeFeedFilter.apply(changes, to: view, rootID: "ROOT", skipping: try! RemotePath("Archive"))
            .map { entries in
                Dictionary(
                    uniqueKeysWithValues: entries.map { ($0.path.description, "\($0.id ?? "?") \($0.md5 ?? "-")") }
                )
            }
    }

    static let time = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func changesAreTakenIntoTheViewWithoutAListing() {
        let changes = [
            // A child reported before its new folder, an edit, a rename into the new folder, a removal.
            RemoteChange(
                id: "C",
                removed: false,
                name: "c.md",
                parentIDs: ["G"],
                md5: "m3",
                size: 3,
                modified: Self.time
            ),
            RemoteChange(id: "G", removed: false, name: "new", parentIDs: ["F"], isFolder: true),
            RemoteChange(
                id: "A",
                removed: false,
                name: "a.md",
                parentIDs: ["F"],
                md5: "edited",
                size: 6,
                modified: Self.time
            ),
            RemoteChange(
                id: "T",
                removed: false,
                name: "moved.txt",
                parentIDs: ["G"],
                md5: "m2",
                size: 1,
                modified: Self.time
            ),
            RemoteChange(id: "ROOT", removed: false, name: "MemoryVDB", parentIDs: ["MYDRIVE"], isFolder: true),
            RemoteChange(id: "X", removed: false, name: "x", parentIDs: ["OTHER"], modified: Self.time),
            RemoteChange(id: "OLD", removed: false, name: "a_1.md", parentIDs: ["ARCH"], modified: Self.time),
        ]
        #expect(
            applied(changes) == [
                "notes": "F -", "notes/a.md": "A edited", "notes/new": "G -", "notes/new/c.md": "C m3",
                "notes/new/moved.txt": "T m2",
            ]
        )
        #expect(applied([RemoteChange(id: "F", removed: true)]) == ["top.txt": "T m2"], "a folder goes with its files")
        #expect(
            applied([RemoteChange(id: "A", removed: false, name: "a.md", parentIDs: ["OTHER"], modified: Self.time)])
                == ["notes": "F -", "top.txt": "T m2"],
            "moved out of the tree"
        )
    }

    @Test func onlyAListingCanTellSomeChanges() {
        // A folder moved with its files, a second item under a taken name, a change without its metadata.
        #expect(
            applied([RemoteChange(id: "F", removed: false, name: "renamed", parentIDs: ["ROOT"], isFolder: true)])
                == nil
        )
        #expect(
            applied([RemoteChange(id: "D", removed: false, name: "top.txt", parentIDs: ["ROOT"], modified: Self.time)])
                == nil
        )
        #expect(applied([RemoteChange(id: "A", removed: false, name: "a.md", parentIDs: ["F"], md5: "e")]) == nil)
    }

    @Test func aStateWithoutItsFoldersCannotBeTrusted() {
        #expect(ChangeFeedFilter.coversTree(state))
        #expect(!ChangeFeedFilter.coversTree(Array(state.dropFirst())))
    }
}
