import DriveSyncCore
import DriveSyncTestSupport
import Foundation
import NIOCore
import SyncEngine
import SyncState
import Testing

struct SyncExecutorTests {
    struct Pair {
        let root: String
        let remote = InMemoryRemote()
        let state = try! StateStore(path: nil)

        func write(_ path: String, _ text: String, modified: TimeInterval? = nil) throws {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: full))
            if let modified { try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: modified)], ofItemAtPath: full) }
        }

        /// One sync run through `SyncSession`.
        func sync(delete: Bool = false, at time: TimeInterval = 1_800_000_000) async throws -> (SyncPlan, SyncReport) {
            var session = SyncSession(localRoot: root, remote: remote, state: state, planner: SyncPlanner(options: .init(delete: delete)))
            session.executorOptions = .init()
            let outcome = try await session.run(now: { Date(timeIntervalSince1970: time) })
            return (outcome.plan, outcome.report!)
        }

        func read(_ path: String) async throws -> String {
            try await remote.read(try RemotePath(path), range: nil) { stream in
                var text = ""
                for try await buffer in stream { text += String(buffer: buffer) }
                return text
            }
        }
    }

    func makePair() -> Pair {
        Pair(root: FileManager.default.temporaryDirectory.appendingPathComponent("sync-\(UUID().uuidString)").path)
    }

    @Test func firstSyncThenNothingToDo() async throws {
        let pair = makePair()
        defer { try? FileManager.default.removeItem(atPath: pair.root) }
        try pair.write("Data/notes.md", "# notes")
        try pair.write("Data/memory/a.json", "{}")
        try pair.write("top.txt", "top")
        let (_, first) = try await pair.sync()
        #expect(first.failures.isEmpty)
        #expect(try await pair.read("Data/memory/a.json") == "{}")
        #expect(try await pair.state.syncedItems().count == 3)
        let (again, _) = try await pair.sync()
        #expect(again.isEmpty, "a second run has nothing to do")
    }

    @Test func changedFilesAreArchivedBeforeReplacement() async throws {
        let pair = makePair()
        defer { try? FileManager.default.removeItem(atPath: pair.root) }
        try pair.write("Data/notes.md", "v1", modified: 1_700_000_000)
        _ = try await pair.sync()
        try pair.write("Data/notes.md", "version two", modified: 1_700_000_100)
        let (plan, report) = try await pair.sync(at: 1_714_566_896)
        #expect(plan.actions == [.replace(try RemotePath("Data/notes.md"))])
        #expect(report.archived.map(\.archivedAs.description) == ["Archive/Data/notes_20240501T123456Z.md"])
        #expect(try await pair.read("Archive/Data/notes_20240501T123456Z.md") == "v1")
        #expect(try await pair.read("Data/notes.md") == "version two")
    }

    @Test func bothSidesChangedKeepsTheRemoteCopyAside() async throws {
        let pair = makePair()
        defer { try? FileManager.default.removeItem(atPath: pair.root) }
        try pair.write("doc.txt", "base", modified: 1_700_000_000)
        _ = try await pair.sync()
        // Someone edits the remote copy; the local copy changes too.
        let other = pair.root + "-other.txt"
        try Data("remote edit".utf8).write(to: URL(fileURLWithPath: other))
        defer { try? FileManager.default.removeItem(atPath: other) }
        _ = try await pair.remote.upload(from: other, to: try RemotePath("doc.txt"), modified: Date(timeIntervalSince1970: 1_700_000_500))
        try pair.write("doc.txt", "local edit", modified: 1_700_000_600)
        let (plan, report) = try await pair.sync(at: 1_714_566_896)
        #expect(plan.actions == [.resolveConflict(try RemotePath("doc.txt"))])
        #expect(try await pair.read("doc_conflict_20240501T123456Z.txt") == "remote edit")
        #expect(try await pair.read("doc.txt") == "local edit")
        #expect(report.failures.isEmpty)
    }

    @Test func deletionsAreMirroredOnlyWithDeleteAndKeptInTheArchive() async throws {
        let pair = makePair()
        defer { try? FileManager.default.removeItem(atPath: pair.root) }
        try pair.write("gone.txt", "bye")
        try pair.write("stays.txt", "hi")
        _ = try await pair.sync()
        try FileManager.default.removeItem(atPath: pair.root + "/gone.txt")
        let (withoutDelete, _) = try await pair.sync()
        #expect(withoutDelete.notices == [.deletionNotMirrored(try RemotePath("gone.txt"))])
        let (plan, report) = try await pair.sync(delete: true, at: 1_714_566_896)
        #expect(plan.actions == [.removeRemote(try RemotePath("gone.txt"))])
        #expect(report.archived.first?.archivedAs.description == "Archive/gone_20240501T123456Z.txt")
        #expect(try await pair.remote.entry(at: try RemotePath("gone.txt")) == nil)
        #expect(try await pair.state.syncedItems().map(\.path.description) == ["stays.txt"])
    }

    @Test func archiveNames() throws {
        let date = Date(timeIntervalSince1970: 1_714_566_896.789)
        #expect(ArchiveNaming.stamped("a.tar.gz", date) == "a.tar_20240501T123456Z.gz")
        #expect(ArchiveNaming.stamped(".hidden", date) == ".hidden_20240501T123456Z")
        #expect(ArchiveNaming.stamped("noext", date, label: "conflict") == "noext_conflict_20240501T123456Z")
        #expect(try ArchiveNaming.archivedPath(for: try RemotePath("x/y/z.md"), at: date, archiveRoot: try RemotePath("Archive")).description == "Archive/x/y/z_20240501T123456Z.md")
    }
}
