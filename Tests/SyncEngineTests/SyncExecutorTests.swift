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
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try Data(text.utf8).write(to: URL(fileURLWithPath: full))
            if let modified {
                try FileManager.default.setAttributes(
                    [.modificationDate: Date(timeIntervalSince1970: modified)],
                    ofItemAtPath: full
                )
            }
        }

        /// One sync run through `SyncSession`.
        var logs: SyncLogs {
            SyncLogs(
                uploads: JSONLinesLog(path: root + "-uploads.jsonl"),
                archives: JSONLinesLog(path: root + "-archive.jsonl")
            )
        }

        func sync(
            delete: Bool = false,
            at time: TimeInterval = 1_800_000_000,
            only: Set<RemotePath>? = nil,
            remote: (any Remote)? = nil
        ) async throws -> (SyncPlan, SyncReport) {
            var session = SyncSession(
                localRoot: root,
                remote: remote ?? self.remote,
                state: state,
                planner: SyncPlanner(options: .init(delete: delete))
            )
            session.executorOptions = .init(tags: ["memory"], note: "nightly", logs: logs)
            let outcome = try await session.run(only: only, now: { Date(timeIntervalSince1970: time) })
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

    /// Fails uploads of paths in `failing`, to test failure records.
    struct FailingRemote: Remote {
        let base: InMemoryRemote
        let failing: Set<String>
        var capabilities: RemoteCapabilities { base.capabilities }
        func list(_ folder: RemotePath) async throws -> [RemoteEntry] { try await base.list(folder) }
        func entry(at path: RemotePath) async throws -> RemoteEntry? { try await base.entry(at: path) }
        func makeFolder(_ path: RemotePath) async throws -> RemoteEntry { try await base.makeFolder(path) }
        func upload(from localFile: String, to path: RemotePath, modified: Date) async throws -> RemoteEntry {
            if failing.contains(path.description) { throw RemoteError(.io, path, "injected failure") }
            return try await base.upload(from: localFile, to: path, modified: modified)
        }
        func read<Result: Sendable>(
            _ path: RemotePath,
            range: Range<Int64>?,
            _ body: (any AsyncSequence<ByteBuffer, any Error>) async throws -> Result
        ) async throws -> Result {
            try await base.read(path, range: range, body)
        }
        func move(_ path: RemotePath, to destination: RemotePath) async throws -> RemoteEntry {
            try await base.move(path, to: destination)
        }
        func remove(_ path: RemotePath, toTrash: Bool) async throws { try await base.remove(path, toTrash: toTrash) }
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
        #expect(try await pair.state.items.syncedItems().filter { $0.kind == .file }.count == 3)
        #expect(
            try await pair.state.items.syncedItems().filter { $0.kind == .folder }.map(\.path.description) == [
                "Data", "Data/memory",
            ]
        )
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
        _ = try await pair.remote.upload(
            from: other,
            to: try RemotePath("doc.txt"),
            modified: Date(timeIntervalSince1970: 1_700_000_500)
        )
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
        #expect(try await pair.state.items.syncedItems().map(\.path.description) == ["stays.txt"])
    }

    @Test func uploadsAndArchivesAreLoggedAsJSONLines() async throws {
        let pair = makePair()
        defer {
            for suffix in ["", "-uploads.jsonl", "-archive.jsonl"] {
                try? FileManager.default.removeItem(atPath: pair.root + suffix)
            }
        }
        try pair.write("notes.md", "v1", modified: 1_700_000_000)
        _ = try await pair.sync()
        try pair.write("notes.md", "v2!", modified: 1_700_000_100)
        _ = try await pair.sync(at: 1_714_566_896)
        let uploads = try pair.logs.uploads!.entries(as: UploadLogEntry.self)
        #expect(uploads.map(\.status) == [.success, .success])
        let last = try #require(uploads.last)
        #expect(
            last.file == pair.root + "/notes.md" && last.remote_path == "notes.md" && last.bytes == 3
                && last.attempts == 1
        )
        #expect(last.tags == ["memory"] && last.note == "nightly" && last.error == nil)
        let archived = try pair.logs.archives!.entries(as: ArchiveLogEntry.self)
        #expect(archived.map(\.archived_as) == ["Archive/notes_20240501T123456Z.md"])
        #expect(archived.first?.reason == "replaced" && archived.first?.file == "notes.md")
        // A second archive in the same second gets a numbered name instead of failing.
        try pair.write("notes.md", "v3!!", modified: 1_700_000_200)
        let (_, again) = try await pair.sync(at: 1_714_566_896)
        #expect(again.archived.map(\.archivedAs.description) == ["Archive/notes_20240501T123456Z-2.md"])
    }

    @Test func failedUploadsAreRecordedAndRetriedAlone() async throws {
        let pair = makePair()
        defer {
            for suffix in ["", "-uploads.jsonl", "-archive.jsonl"] {
                try? FileManager.default.removeItem(atPath: pair.root + suffix)
            }
        }
        try pair.write("ok.txt", "fine")
        try pair.write("sub/flaky.txt", "flaky")
        let failing = FailingRemote(base: pair.remote, failing: ["sub/flaky.txt"])
        _ = try await pair.sync(remote: failing)
        let (_, second) = try await pair.sync(remote: failing)
        #expect(second.failures.map(\.path.description) == ["sub/flaky.txt"])
        let failed = try await pair.state.failures.failedUploads()
        #expect(
            failed.map(\.path.description) == ["sub/flaky.txt"] && failed.first?.attempts == 2
                && failed.first?.tags == ["memory"]
        )
        // Retry only the failed file: another local change waits for the next full sync.
        try pair.write("later.txt", "not yet")
        let (plan, report) = try await pair.sync(only: Set(failed.map(\.path)))
        #expect(plan.actions == [.upload(try RemotePath("sub/flaky.txt"), reason: .new)])
        #expect(report.failures.isEmpty)
        #expect(try await pair.state.failures.failedUploads().isEmpty)
        let log = try pair.logs.uploads!.entries(as: UploadLogEntry.self).filter { $0.remote_path == "sub/flaky.txt" }
        #expect(log.map(\.status) == [.fail, .fail, .success])
        #expect(log.map(\.attempts) == [1, 2, 3])
        #expect(log.first?.error?.contains("injected failure") == true)
    }

    @Test func emptiedFoldersAreRemovedButForeignContentKeepsThem() async throws {
        let pair = makePair()
        defer {
            for suffix in ["", "-uploads.jsonl", "-archive.jsonl"] {
                try? FileManager.default.removeItem(atPath: pair.root + suffix)
            }
        }
        try pair.write("old/a/one.txt", "1")
        try pair.write("kept/two.txt", "2")
        _ = try await pair.sync()
        // Someone else puts a file into kept/ on the remote.
        let foreign = pair.root + "-foreign.txt"
        try Data("theirs".utf8).write(to: URL(fileURLWithPath: foreign))
        defer { try? FileManager.default.removeItem(atPath: foreign) }
        _ = try await pair.remote.upload(from: foreign, to: try RemotePath("kept/theirs.txt"), modified: Date())
        try FileManager.default.removeItem(atPath: pair.root + "/old")
        try FileManager.default.removeItem(atPath: pair.root + "/kept")
        let (plan, report) = try await pair.sync(delete: true)
        #expect(plan.actions.contains(.removeRemoteFolder(try RemotePath("old"))))
        #expect(plan.actions.contains(.removeRemoteFolder(try RemotePath("old/a"))))
        #expect(!plan.actions.contains(.removeRemoteFolder(try RemotePath("kept"))))
        #expect(report.failures.isEmpty)
        #expect(try await pair.remote.entry(at: try RemotePath("old")) == nil)
        #expect(try await pair.read("kept/theirs.txt") == "theirs")
    }

    @Test func archiveNames() throws {
        let date = Date(timeIntervalSince1970: 1_714_566_896.789)
        #expect(ArchiveNaming.stamped("a.tar.gz", date) == "a.tar_20240501T123456Z.gz")
        #expect(ArchiveNaming.stamped(".hidden", date) == ".hidden_20240501T123456Z")
        #expect(ArchiveNaming.stamped("noext", date, label: "conflict") == "noext_conflict_20240501T123456Z")
        #expect(
            try ArchiveNaming.archivedPath(
                for: try RemotePath("x/y/z.md"),
                at: date,
                archiveRoot: try RemotePath("Archive")
            ).description == "Archive/x/y/z_20240501T123456Z.md"
        )
    }
}
