import DriveSyncCore
import SyncEngine
import SyncState
import Testing

struct PullPlannerTests {
    func target(
        _ path: String,
        id: String,
        md5: String = "m1",
        size: Int64 = 5,
        modified: Int64 = 1000
    ) throws -> PullTarget {
        PullTarget(
            path: try RemotePath(path),
            sourceID: id,
            content: .file,
            size: size,
            md5: md5,
            modified: modified,
            version: "r-\(md5)"
        )
    }

    func local(_ path: String, size: Int64 = 5, modified: Int64 = 1000, folder: Bool = false) throws -> LocalItem {
        LocalItem(path: try RemotePath(path), kind: folder ? .folder : .file, size: size, modified: modified)
    }

    func record(
        _ path: String,
        id: String,
        md5: String = "m1",
        size: Int64 = 5,
        modified: Int64 = 1000
    ) throws -> SyncedItem {
        SyncedItem(
            path: try RemotePath(path),
            size: size,
            modified: modified,
            md5: md5,
            remoteID: id,
            remoteMD5: md5,
            remoteModified: modified
        )
    }

    func describe(_ actions: [PullAction]) -> [String] {
        actions.map { action in
            switch action {
            case .makeFolder(let path, let replacing): "folder \(path) \(replacing)"
            case .download(let target, let replacing): "download \(target.path) \(replacing)"
            case .move(let from, let target): "move \(from) -> \(target.path)"
            case .adopt(let target): "adopt \(target.path)"
            case .trash(let path): "trash \(path)"
            case .forget(let path): "forget \(path)"
            }
        }
    }

    @Test func aFirstPullFetchesEverythingAndAdoptsWhatIsAlreadyThere() throws {
        let targets = [
            PullTarget(path: try RemotePath("d"), sourceID: "D", content: .folder), try target("d/a", id: "A"),
            try target("b", id: "B"),
        ]
        let actions = PullPlanner.plan(targets: targets, local: [try local("b")], state: [], delete: false)
        #expect(describe(actions) == ["folder d nothing", "download d/a nothing", "adopt b"])
    }

    @Test func nothingChangedPlansNothing() throws {
        let actions = PullPlanner.plan(
            targets: [try target("a", id: "A")],
            local: [try local("a")],
            state: [try record("a", id: "A")],
            delete: true
        )
        #expect(actions.isEmpty)
    }

    @Test func driveEditsReplaceUntouchedFilesAndKeepLocalEditsAside() throws {
        let targets = [
            try target("ours", id: "O", md5: "m2"), try target("edited", id: "E", md5: "m2"),
            try target("unknown", id: "U", size: 9),
        ]
        let actions = PullPlanner.plan(
            targets: targets,
            local: [try local("edited", size: 7), try local("ours"), try local("unknown")],
            state: [try record("ours", id: "O"), try record("edited", id: "E")],
            delete: false
        )
        #expect(describe(actions) == ["download ours ours", "download edited keptAside", "download unknown keptAside"])
    }

    @Test func filesMovedOnDriveAreRenamedLocally() throws {
        let actions = PullPlanner.plan(
            targets: [try target("new/name", id: "A")],
            local: [try local("old")],
            state: [try record("old", id: "A")],
            delete: true
        )
        #expect(describe(actions) == ["move old -> new/name"])
    }

    @Test func deletionsGoToTheTrashOnlyWhenAsked() throws {
        let local = [try local("gone"), try local("mine"), try local("old", folder: true), try local("old/x")]
        let state = [try record("gone", id: "G")]
        #expect(describe(PullPlanner.plan(targets: [], local: local, state: state, delete: false)) == ["forget gone"])
        #expect(
            describe(PullPlanner.plan(targets: [], local: local, state: state, delete: true)) == [
                "trash gone", "trash mine", "trash old", "forget gone",
            ]
        )
    }

    @Test func exportsFollowTheDocumentsVersion() throws {
        let export = PullTarget(
            path: try RemotePath("Plan.docx"),
            sourceID: "P",
            content: .export(mimeType: "x"),
            modified: 2000,
            version: "2000"
        )
        var recorded = SyncedItem(
            path: export.path,
            size: 40,
            modified: 2000,
            md5: "e",
            remoteID: "P",
            remoteMD5: nil,
            remoteModified: 2000,
            headRevision: "2000"
        )
        let file = try local("Plan.docx", size: 40, modified: 2000)
        #expect(PullPlanner.plan(targets: [export], local: [file], state: [recorded], delete: false).isEmpty)
        recorded.headRevision = "1000"
        #expect(
            describe(PullPlanner.plan(targets: [export], local: [file], state: [recorded], delete: false)) == [
                "download Plan.docx ours"
            ]
        )
    }
}
