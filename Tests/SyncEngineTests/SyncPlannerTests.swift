import DriveSyncCore
import Foundation
import SyncEngine
import SyncState
import Testing

/// Table tests of the planner: local item, state record, remote entry → actions.
struct SyncPlannerTests {
    static func p(_ text: String) -> RemotePath { try! RemotePath(text) }
    static func file(_ path: String, size: Int64 = 10, modified: Int64 = 1000, md5: String? = nil) -> LocalItem {
        LocalItem(path: p(path), kind: .file, size: size, modified: modified, md5: md5)
    }
    static func remote(
        _ path: String,
        size: Int64 = 10,
        modified: Int64 = 5000,
        md5: String? = "m1",
        id: String = "id"
    ) -> RemoteEntry {
        RemoteEntry(
            path: p(path),
            kind: .file,
            size: size,
            modified: Date(timeIntervalSince1970: Double(modified) / 1000),
            md5: md5,
            id: id
        )
    }
    static func synced(
        _ path: String,
        size: Int64 = 10,
        modified: Int64 = 1000,
        md5: String? = "m1",
        remoteMD5: String? = "m1",
        remoteModified: Int64 = 5000
    ) -> SyncedItem {
        SyncedItem(
            path: p(path),
            size: size,
            modified: modified,
            md5: md5,
            remoteID: "id",
            remoteMD5: remoteMD5,
            remoteModified: remoteModified
        )
    }

    @Test func firstSyncMakesFoldersBeforeTheirFiles() throws {
        let plan = try SyncPlanner().plan(
            local: [LocalItem(path: Self.p("a"), kind: .folder), Self.file("a/x.txt"), Self.file("b.txt")],
            state: [],
            remote: []
        )
        #expect(
            plan.actions == [
                .makeFolder(Self.p("a")), .upload(Self.p("a/x.txt"), reason: .new),
                .upload(Self.p("b.txt"), reason: .new),
            ]
        )
    }

    @Test func aFileAKilledRunCreatedIsOursNotAConflict() throws {
        let intents = [Self.p("a.txt"): "new-id"]
        let planner = SyncPlanner()
        // The state still has the old copy (id); the killed run's upload landed as new-id.
        let landed = Self.remote("a.txt", md5: "m2", id: "new-id")
        #expect(
            planner.hashesNeeded(
                local: [Self.file("a.txt", modified: 2000)],
                state: [Self.synced("a.txt")],
                remote: [landed],
                intents: intents
            ) == [Self.p("a.txt")]
        )
        let same = try planner.plan(
            local: [Self.file("a.txt", modified: 2000, md5: "m2")],
            state: [Self.synced("a.txt")],
            remote: [landed],
            intents: intents
        )
        #expect(same.actions == [.adopt(Self.p("a.txt"))])
        let newer = try planner.plan(
            local: [Self.file("a.txt", modified: 3000, md5: "m3")],
            state: [],
            remote: [landed],
            intents: intents
        )
        #expect(newer.actions == [.replace(Self.p("a.txt"))])
        // Someone else's file at the path is still a conflict.
        let theirs = try planner.plan(
            local: [Self.file("a.txt", md5: "m3")],
            state: [],
            remote: [Self.remote("a.txt", id: "other")],
            intents: intents
        )
        #expect(theirs.actions == [.resolveConflict(Self.p("a.txt"))])
    }

    /// The sides are lined up by path whatever order they come in (the state's rows come in SQLite's
    /// byte order, where `a.b` sorts before `a/x.txt`), and the first of duplicate entries counts.
    @Test func sidesInAnyOrderArePlannedInPathOrder() throws {
        let plan = try SyncPlanner(options: .init(delete: true)).plan(
            local: [Self.file("a/x.txt", size: 11), Self.file("a.b"), Self.file("z.txt")],
            state: [Self.synced("a.b"), Self.synced("a/x.txt"), Self.synced("gone.txt")],
            remote: [
                Self.remote("gone.txt"), Self.remote("a/x.txt"), Self.remote("a.b"), Self.remote("a.b", md5: "m2"),
            ]
        )
        #expect(
            plan.actions == [
                .replace(Self.p("a/x.txt")), .removeRemote(Self.p("gone.txt")), .upload(Self.p("z.txt"), reason: .new),
            ]
        )
        #expect(plan.notices.isEmpty)
    }

    @Test func unchangedMeansNothingToDo() throws {
        let plan = try SyncPlanner().plan(
            local: [Self.file("a.txt")],
            state: [Self.synced("a.txt")],
            remote: [Self.remote("a.txt")]
        )
        #expect(plan.isEmpty)
        #expect(plan.notices.isEmpty)
    }

    @Test(arguments: [
        // (local, remote, expected action, expected notice)
        (file("a.txt", size: 11), remote("a.txt"), SyncAction?.some(.replace(p("a.txt"))), SyncNotice?.none),
        (file("a.txt", modified: 2000, md5: "m1"), remote("a.txt"), .some(.refreshState(p("a.txt"))), nil),
        (file("a.txt"), remote("a.txt", md5: "m2"), nil, .some(.remoteChangedOnly(p("a.txt")))),
        (file("a.txt", size: 11), remote("a.txt", md5: "m2"), .some(.resolveConflict(p("a.txt"))), nil),
        (file("a.txt", size: 11), remote("a.txt", id: "other"), .some(.resolveConflict(p("a.txt"))), nil),
    ])
    func changesOnEitherSide(local: LocalItem, remote: RemoteEntry, action: SyncAction?, notice: SyncNotice?) throws {
        let plan = try SyncPlanner().plan(local: [local], state: [Self.synced("a.txt")], remote: [remote])
        #expect(plan.actions == (action.map { [$0] } ?? []))
        #expect(plan.notices == (notice.map { [$0] } ?? []))
    }

    @Test func neverSyncedRemoteFilesAreAdoptedOrKeptAside() throws {
        let same = try SyncPlanner().plan(
            local: [Self.file("a.txt", md5: "m1")],
            state: [],
            remote: [Self.remote("a.txt")]
        )
        #expect(same.actions == [.adopt(Self.p("a.txt"))])
        let different = try SyncPlanner().plan(
            local: [Self.file("a.txt", md5: "zz")],
            state: [],
            remote: [Self.remote("a.txt")]
        )
        #expect(different.actions == [.resolveConflict(Self.p("a.txt"))])
        let strangers = try SyncPlanner(options: .init(delete: true)).plan(
            local: [],
            state: [],
            remote: [Self.remote("theirs.txt")]
        )
        #expect(strangers.isEmpty, "files DriveSync never put there are never removed")
    }

    @Test func deletionsNeedDeleteAndACompleteScan() throws {
        let state = [Self.synced("gone.txt")]
        let remote = [Self.remote("gone.txt")]
        #expect(
            try SyncPlanner().plan(local: [], state: state, remote: remote).notices == [
                .deletionNotMirrored(Self.p("gone.txt"))
            ]
        )
        #expect(
            try SyncPlanner(options: .init(delete: true)).plan(local: [], state: state, remote: remote).actions == [
                .removeRemote(Self.p("gone.txt"))
            ]
        )
        #expect(
            try SyncPlanner(options: .init(delete: true)).plan(
                local: [],
                state: state,
                remote: remote,
                scanComplete: false
            ).actions.isEmpty
        )
        #expect(try SyncPlanner().plan(local: [], state: state, remote: []).actions == [.forget(Self.p("gone.txt"))])
        #expect(
            try SyncPlanner().plan(local: [Self.file("gone.txt")], state: state, remote: []).actions == [
                .upload(Self.p("gone.txt"), reason: .restore)
            ]
        )
    }

    @Test func deletionLimitsAbortThePlan() throws {
        let names = (0..<10).map { "f\($0).txt" }
        let state = names.map { Self.synced($0) }
        let remote = names.map { Self.remote($0) }
        #expect(throws: SyncPlanner.TooManyDeletions.self) {
            try SyncPlanner(options: .init(delete: true, maxDelete: 5)).plan(local: [], state: state, remote: remote)
        }
        #expect(throws: SyncPlanner.TooManyDeletions.self) {
            try SyncPlanner(options: .init(delete: true, maxDeleteFraction: 0.5)).plan(
                local: [],
                state: state,
                remote: remote
            )
        }
        #expect(
            try SyncPlanner(options: .init(delete: true, maxDelete: 10)).plan(local: [], state: state, remote: remote)
                .actions.count == 10
        )
    }

    @Test func asksForHashesOnlyWhenTheyDecide() {
        let planner = SyncPlanner()
        let state = [Self.synced("touched.txt"), Self.synced("grown.txt"), Self.synced("same.txt")]
        let local = [
            Self.file("touched.txt", modified: 9999), Self.file("grown.txt", size: 99, modified: 9999),
            Self.file("same.txt"), Self.file("new.txt"),
        ]
        let remote = [Self.remote("new.txt")]
        #expect(
            planner.hashesNeeded(local: local, state: state, remote: remote) == [
                Self.p("touched.txt"), Self.p("new.txt"),
            ]
        )
        #expect(
            SyncPlanner(options: .init(alwaysChecksum: true)).hashesNeeded(local: local, state: state, remote: remote)
                .count == 4
        )
    }

    @Test func kindMismatchIsReportedNotActedOn() throws {
        let plan = try SyncPlanner().plan(
            local: [Self.file("x")],
            state: [],
            remote: [RemoteEntry(path: Self.p("x"), kind: .folder, modified: Date())]
        )
        #expect(plan.actions.isEmpty)
        #expect(plan.notices == [.kindMismatch(Self.p("x"))])
    }
}
