import DriveAPI
import DriveEmulator
import DriveRemote
import DriveSyncCore
import DriveSyncTestSupport
import Foundation
import NIOCore
import SyncEngine
import SyncState
import Synchronization
import Testing

struct SyncEndToEndTests {
    @Test func firstSyncThenAReRunReadsOnlyTheChangesFeed() async throws {
        try await withRunningEmulator { emulator in
            let pair = try DrivePair(emulator)
            defer { pair.cleanUp() }
            try writeTree(in: pair, files: 40, folders: 4)
            try pair.write("empty.txt", "")
            try FileManager.default.createDirectory(
                atPath: pair.root + "/empty folder",
                withIntermediateDirectories: true
            )
            let first = try await pair.sync()
            #expect(first.report?.failures.isEmpty == true)
            #expect(try await pair.remoteDigests() == (try pair.localTree()))
            let files = try await pair.state.items.syncedItems().filter { $0.kind == .file }
            #expect(
                files.count == 41
                    && files.allSatisfy { $0.headRevision != nil && $0.remoteID != nil && $0.md5 == $0.remoteMD5 }
            )

            emulator.emulator.faults.resetCallCounts()
            let again = try await pair.sync()
            #expect(again.plan.isEmpty)
            #expect(again.remoteView == .fromChangesFeed)
            let calls = emulator.emulator.faults.callCounts
            // Finding the target folder (3 calls) and one page of changes, whatever the tree's size.
            #expect(calls["changes.list"] == 1)
            #expect(calls.values.reduce(0, +) <= 5, "calls: \(calls)")
        }
    }

    /// An incremental run after the changes feed stood in for a listing: folders the state knows cost
    /// no lookups, an archive folder is looked up or made once per run.
    @Test(arguments: [false, true]) func changedFilesCostFewCalls(revisionsAndTrash: Bool) async throws {
        try await withRunningEmulator { emulator in
            let pair = try DrivePair(emulator)
            defer { pair.cleanUp() }
            let options = SyncExecutor.Options(
                transfers: 4,
                removeToTrash: revisionsAndTrash,
                keepReplacedAsRevision: revisionsAndTrash
            )
            try writeTree(in: pair, files: 200, folders: 10)
            _ = try await pair.sync(options: options)
            for index in 0..<40 { try pair.write("d\(index % 10)/f\(index).txt", "edited \(index)\n") }
            for index in 40..<60 {
                try FileManager.default.removeItem(atPath: pair.root + "/d\(index % 10)/f\(index).txt")
            }
            for index in 0..<20 { try pair.write("d\(index % 10)/new\(index).txt", "new \(index)\n") }
            emulator.emulator.faults.resetCallCounts()
            let outcome = try await pair.sync(delete: true, options: options)
            #expect(outcome.remoteView == .fromChangesFeed)
            #expect(outcome.report?.failures.isEmpty == true)
            let counts = emulator.emulator.faults.callCounts
            // One write per upload, move or trash, and the archive's ten folders once: no lookups. Uploads
            // kept as revisions land pinned, so replacing them pins nothing more.
            #expect(counts["files.list"].map { $0 <= 3 } ?? true, "\(counts)")
            #expect(counts["revisions.update"] == nil, "\(counts)")
            #expect(counts.values.reduce(0, +) <= (revisionsAndTrash ? 88 : 138), "\(counts)")
        }
    }

    @Test func localEditsRenamesAndDeletesAreMirrored() async throws {
        try await withRunningEmulator { emulator in
            let pair = try DrivePair(emulator)
            defer { pair.cleanUp() }
            try pair.write("notes/a.md", "a", modified: 1_700_000_000)
            try pair.write("notes/b.md", "b", modified: 1_700_000_000)
            try pair.write("old/c.md", "c", modified: 1_700_000_000)
            _ = try await pair.sync()
            try pair.write("notes/a.md", "a edited", modified: 1_700_000_100)
            try FileManager.default.moveItem(
                atPath: pair.root + "/notes/b.md",
                toPath: pair.root + "/notes/b renamed.md"
            )
            try FileManager.default.removeItem(atPath: pair.root + "/old")
            let outcome = try await pair.sync(delete: true, at: 1_714_566_896)
            #expect(outcome.report?.failures.isEmpty == true)
            #expect(try await pair.remoteDigests() == (try pair.localTree()))
            let archived = try #require(outcome.report?.archived).map(\.archivedAs.description).sorted()
            #expect(
                archived == [
                    "Archive/notes/a_20240501T123456Z.md", "Archive/notes/b_20240501T123456Z.md",
                    "Archive/old/c_20240501T123456Z.md",
                ]
            )
            let remote = try await pair.remote()
            let kept = try await remote.read(try RemotePath("Archive/notes/a_20240501T123456Z.md"), range: nil) {
                stream in
                var text = ""
                for try await buffer in stream { text += String(buffer: buffer) }
                return text
            }
            #expect(kept == "a", "the replaced version is in the archive")
        }
    }

    @Test func remoteChangesAreSeenThroughTheFeedAndConflictsKeepBothCopies() async throws {
        try await withRunningEmulator { emulator in
            let pair = try DrivePair(emulator)
            defer { pair.cleanUp() }
            try pair.write("doc.txt", "base", modified: 1_700_000_000)
            try pair.write("theirs.txt", "base", modified: 1_700_000_000)
            _ = try await pair.sync()
            // Another client edits both on Drive; only doc.txt also changes locally.
            let remote = try await pair.remote()
            let edit = pair.root + "-edit"
            try Data("remote edit".utf8).write(to: URL(fileURLWithPath: edit))
            defer { try? FileManager.default.removeItem(atPath: edit) }
            for name in ["doc.txt", "theirs.txt"] {
                let id = try #require(try await remote.entry(at: try RemotePath(name))?.id)
                _ = try await pair.drive.uploadFile(
                    at: edit,
                    metadata: File(modifiedTime: Date(timeIntervalSince1970: 1_700_000_500)),
                    replacing: id
                )
            }
            try pair.write("doc.txt", "local edit", modified: 1_700_000_600)
            let outcome = try await pair.sync(at: 1_714_566_896)
            #expect(outcome.remoteView == .fromChangesFeed, "the feed's changes were taken in without a listing")
            #expect(outcome.plan.actions == [.resolveConflict(try RemotePath("doc.txt"))])
            #expect(outcome.plan.notices == [.remoteChangedOnly(try RemotePath("theirs.txt"))])
            let tree = try await pair.remoteDigests()
            #expect(tree[try RemotePath("doc_conflict_20240501T123456Z.txt")] == (try md5(edit)))
            #expect(tree[try RemotePath("doc.txt")] == (try md5(pair.root + "/doc.txt")))
            #expect(tree[try RemotePath("theirs.txt")] == (try md5(edit)), "a remote-only change is left alone")
        }
    }

    /// A copy uploaded before `replaced = revision` was chosen (so not pinned as it landed) is pinned
    /// when it is replaced.
    @Test func aCopyUploadedUnpinnedIsPinnedWhenReplaced() async throws {
        try await withRunningEmulator { emulator in
            let pair = try DrivePair(emulator)
            defer { pair.cleanUp() }
            try pair.write("doc.md", "version one", modified: 1_700_000_000)
            _ = try await pair.sync()
            let id = try #require(try await pair.remoteTree()[try RemotePath("doc.md")]?.id)
            try pair.write("doc.md", "version two", modified: 1_700_000_100)
            let outcome = try await pair.sync(options: SyncExecutor.Options(keepReplacedAsRevision: true))
            #expect(outcome.report?.failures.isEmpty == true)
            var revisions: [Revision] = []
            for try await page in pair.drive.listRevisions(fileId: id) { revisions += page.revisions ?? [] }
            #expect(revisions.map(\.keepForever) == [true, true], "the replaced one pinned, the new one landed pinned")
        }
    }

    @Test func replacedCopiesCanStayAsPinnedRevisionsAndRemovalsGoToTheTrash() async throws {
        try await withRunningEmulator { emulator in
            let pair = try DrivePair(emulator)
            defer { pair.cleanUp() }
            let archiveLog = JSONLinesLog(path: pair.root + "-archive.jsonl")
            defer { try? FileManager.default.removeItem(atPath: archiveLog.path) }
            let options = SyncExecutor.Options(
                removeToTrash: true,
                keepReplacedAsRevision: true,
                logs: SyncLogs(archives: archiveLog)
            )
            try pair.write("doc.md", "version one", modified: 1_700_000_000)
            try pair.write("gone.md", "bye", modified: 1_700_000_000)
            _ = try await pair.sync(options: options)
            let id = try #require(try await pair.remoteTree()[try RemotePath("doc.md")]?.id)
            try pair.write("doc.md", "version two", modified: 1_700_000_100)
            try FileManager.default.removeItem(atPath: pair.root + "/gone.md")
            let outcome = try await pair.sync(delete: true, options: options)
            #expect(outcome.report?.failures.isEmpty == true)
            let tree = try await pair.remoteTree()
            #expect(tree[try RemotePath("doc.md")]?.id == id, "replaced in place: same file, new revision")
            var revisions: [Revision] = []
            for try await page in pair.drive.listRevisions(fileId: id) { revisions += page.revisions ?? [] }
            #expect(revisions.count == 2 && revisions.first?.keepForever == true)
            let logged = try archiveLog.entries(as: ArchiveLogEntry.self)
            #expect(logged.first?.archived_as == "doc.md@revision:\(revisions.first?.id ?? "")")
            #expect(tree[try RemotePath("gone.md")] == nil)
            let trashed = try await pair.drive.allFiles(query: .name(is: "gone.md"), fields: "id,trashed")
            #expect(trashed.first?.trashed == true, "the removed file is in the trash")
            #expect(
                try await pair.drive.allFiles(
                    query: .inParents(try #require(try await pair.remote().entry(at: .root)?.id))
                        && .name(is: "Archive")
                ).isEmpty
            )
        }
    }

    @Test func awkwardNamesRoundTrip() async throws {
        try await withRunningEmulator { emulator in
            let pair = try DrivePair(emulator)
            defer { pair.cleanUp() }
            let names = [
                "it's \"quoted\".txt", #"back\slash.txt"#, "caf\u{E9}.txt", "cafe\u{301}.txt", "  spaces  .txt",
                "-leading-dash.txt",
                "--double", "日本語/ファイル.md", "emoji 🎉.txt", "percent %20 and + plus.txt", "#hash?.txt", "a'b\\c/d'e.txt",
            ]
            for name in names { try pair.write(name, "content of \(name)") }
            let outcome = try await pair.sync()
            #expect(outcome.report?.failures.isEmpty == true, "\(outcome.report?.failures ?? [])")
            let local = try pair.localTree()
            #expect(local.count == names.count + 2, "NFC and NFD names are two files (+ 2 folders)")
            #expect(try await pair.remoteDigests() == local)
            #expect(try await pair.sync().plan.isEmpty)
        }
    }

    /// Server errors, rate limits and dropped connections at 10%, five refused creates and three chunks
    /// cut mid-way: one run absorbs them all, for each seed.
    @Test(arguments: 1...5) func oneRunAbsorbsInjectedFaultsWithoutDuplicates(seed: UInt64) async throws {
        try await withRunningEmulator { emulator in
            // Rate-limit answers drawn at random are noise, not a rate to find: the pacer keeps a high floor.
            var pacing = PacingConfiguration.unlimited
            pacing.minimumWritesPerSecond = 200
            let pair = try DrivePair(emulator, maxAttempts: 10, pacing: pacing)
            defer { pair.cleanUp() }
            try writeTree(in: pair, files: 300, folders: 12)
            try pair.write("big.bin", String(repeating: "0123456789abcdef", count: 400_000))  // 6.4 MB: resumable
            let faults = emulator.emulator.faults
            faults.add(
                FaultRule(
                    method: "files.create",
                    count: 5,
                    action: .status(code: 429, reason: "rateLimitExceeded", message: nil, retryAfter: nil, html: nil)
                )
            )
            faults.add(FaultRule(method: "PUT", path: "/upload/", count: 3, action: .dropRequest))
            faults.setRandomFailures(.mixed(rate: 0.10, seed: seed))
            let outcome = try await pair.sync(transfers: 8)
            faults.setRandomFailures(nil)
            #expect(outcome.report?.failures.isEmpty == true, "\(outcome.report?.failures ?? [])")
            #expect(try await pair.remoteDigests() == (try pair.localTree()))
            #expect(try await pair.sync().plan.isEmpty)
        }
    }

    @Test func runsKilledAtRandomPointsEndIdenticalWithoutDuplicates() async throws {
        try await withRunningEmulator { emulator in
            let pair = try DrivePair(emulator)
            defer { pair.cleanUp() }
            try writeTree(in: pair, files: 800, folders: 40)
            var generator = SplitMix64(seed: 0xC0FFEE)
            for _ in 0..<6 {
                // Killed after a seeded number of finished actions: a point in the run, not in time.
                let kill = CancelAfter(Int.random(in: 0...150, using: &generator))
                let run = Task { try await pair.sync(options: .init(transfers: 8, progress: { _ in kill.tick() })) }
                kill.arm(run)
                _ = try? await run.value
                // Local changes between kills, so every run has something to do.
                try pair.write("d0/f0.txt", "changed \(UUID())")
            }
            let final = try await pair.sync()
            #expect(final.report?.failures.isEmpty == true, "\(final.report?.failures ?? [])")
            let remoteTree = try await pair.remoteDigests()
            let localTree = try pair.localTree()
            if remoteTree != localTree {
                Issue.record(
                    "remote and local differ: \(difference(remoteTree, localTree)); final plan: \(final.plan.actions), view: \(final.remoteView)"
                )
            }
            #expect(try await pair.state.intents.pendingIntents().isEmpty)
        }
    }

    @Test func aCreateThatLandedBeforeAKillIsNotRepeated() async throws {
        try await withRunningEmulator { emulator in
            let pair = try DrivePair(emulator)
            defer { pair.cleanUp() }
            try pair.write("a.txt", "first")
            // Every create's answer is lost: the client cannot know the file was made.
            emulator.emulator.faults.add(
                FaultRule(method: "POST", path: "/upload/drive/v3/files", count: 3, action: .dropResponse)
            )
            _ = try await pair.sync()
            let tree = try await pair.remoteTree()
            #expect(tree.keys.map(\.description) == ["a.txt"])
            #expect(try await pair.remoteDigests() == (try pair.localTree()))
        }
    }

    @Test func tenThousandFiles() async throws {
        try await withRunningEmulator { emulator in
            let pair = try DrivePair(emulator)
            defer { pair.cleanUp() }
            try writeTree(in: pair, files: 10_000, folders: 100)
            let first = try await pair.sync(transfers: 16)
            #expect(first.report?.failures.isEmpty == true)
            #expect(try await pair.remoteDigests() == (try pair.localTree()))
            let again = try await pair.sync()
            #expect(again.plan.isEmpty && again.remoteView == .fromChangesFeed)
        }
    }
}

/// Cancels a task once it has been told of `count` events, whether they come before or after it is armed.
final class CancelAfter: Sendable {
    private struct State {
        var remaining: Int
        var cancel: (@Sendable () -> Void)?
    }

    private let state: Mutex<State>

    init(_ count: Int) { state = Mutex(State(remaining: count)) }

    func arm<Success, Failure>(_ task: Task<Success, Failure>) {
        let now = state.withLock { state -> Bool in
            state.cancel = { task.cancel() }
            return state.remaining <= 0
        }
        if now { task.cancel() }
    }

    func tick() {
        let cancel = state.withLock { state -> (@Sendable () -> Void)? in
            state.remaining -= 1
            return state.remaining == 0 ? state.cancel : nil
        }
        cancel?()
    }
}
