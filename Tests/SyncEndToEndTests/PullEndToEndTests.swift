import DriveAPI
import DriveEmulator
import DriveRemote
import DriveSyncCore
import DriveSyncTestSupport
import Foundation
import NIOCore
import SyncEngine
import SyncState
import Testing

/// A Drive folder (filled through `pair`, by syncing its local folder or through the API) pulled into
/// another local folder with its own state.
struct PullFixture: Sendable {
    let pair: DrivePair
    let destination: String
    let state: StateStore

    init(_ pair: DrivePair) throws {
        self.pair = pair
        destination = pair.root + "-pulled"
        state = try StateStore(path: nil)
    }

    var log: JSONLinesLog { JSONLinesLog(path: destination + "-pulls.jsonl") }

    func cleanUp() {
        pair.cleanUp()
        try? FileManager.default.removeItem(atPath: destination)
        try? FileManager.default.removeItem(atPath: log.path)
    }

    func pull(
        delete: Bool = false,
        shortcuts: PullLayout.Shortcuts = .follow,
        exports: [String] = ExportFormat.defaultPreferences,
        drive: DriveClient? = nil,
        below base: String = "root"
    ) async throws -> PullSession.Outcome {
        let remote = try await DriveFolderRemote.atPath(
            pair.target,
            below: base,
            drive: drive ?? pair.drive,
            create: false
        )
        let options = PullSession.Options(shortcuts: shortcuts, exportPreferences: exports, delete: delete)
        return try await PullSession(
            remote: remote,
            localRoot: destination,
            state: state,
            options: options,
            logs: SyncLogs(pulls: log)
        ).run()
    }

    /// The pulled folder as path → MD5, DriveSync's own folder left out.
    func pulledTree() throws -> [RemotePath: String] { try Self.tree(of: destination) }

    /// A pulled folder as path → MD5 ("" for folders), DriveSync's own folder left out.
    static func tree(of folder: String) throws -> [RemotePath: String] {
        var tree: [RemotePath: String] = [:]
        for item in try LocalScanner(
            options: .init(useDefaultIgnores: false, extraIgnores: ["/.drivesync/"], readsIgnoreFiles: false)
        ).scan(root: folder).items {
            tree[item.path] = item.kind == .folder ? "" : try md5(folder + "/" + item.path.description)
        }
        return tree
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: destination + "/" + path, encoding: .utf8) }

    /// Files in this pull's trash, relative to their dated folder.
    func trashed() -> [String] {
        let trash = destination + "/.drivesync/trash"
        let stamps = (try? FileManager.default.contentsOfDirectory(atPath: trash)) ?? []
        return stamps.flatMap { stamp in
            (FileManager.default.enumerator(atPath: trash + "/" + stamp)?.allObjects as? [String] ?? []).filter {
                path in
                var isFolder: ObjCBool = false
                return FileManager.default.fileExists(atPath: trash + "/" + stamp + "/" + path, isDirectory: &isFolder)
                    && !isFolder.boolValue
            }
        }.sorted()
    }

    /// The Drive ID of the target folder and of everything in it, by path.
    func ids() async throws -> (root: String, files: [String: String]) {
        let root = try #require(try await pair.remote().entry(at: .root)?.id)
        return (root, try await pair.remoteTree().reduce(into: [:]) { $0[$1.key.description] = $1.value.id })
    }

    /// Uploads `text` as a new file named `name` in folder `parent` on Drive.
    @discardableResult
    func create(
        _ name: String,
        _ text: String,
        in parent: String,
        mimeType: String? = nil,
        uploadType: String = "text/plain"
    ) async throws -> File {
        try await pair.drive.upload(
            ByteBuffer(string: text),
            metadata: File(name: name, mimeType: mimeType, parents: [parent]),
            options: .init(contentType: uploadType)
        )
    }
}

struct PullEndToEndTests {
    @Test func aFirstPullMirrorsAndANoChangePullReadsOnlyTheFeed() async throws {
        try await withRunningEmulator { emulator in
            let fixture = try PullFixture(try DrivePair(emulator))
            defer { fixture.cleanUp() }
            try writeTree(in: fixture.pair, files: 30, folders: 3)
            try fixture.pair.write("empty.txt", "", modified: 1_700_000_000)
            try FileManager.default.createDirectory(
                atPath: fixture.pair.root + "/empty folder",
                withIntermediateDirectories: true
            )
            _ = try await fixture.pair.sync()

            let first = try await fixture.pull()
            #expect(first.report?.failures.isEmpty == true && first.report?.downloaded == 31)
            let (pulled, source) = (try fixture.pulledTree(), try fixture.pair.localTree())
            #expect(pulled == source, "\(difference(pulled, source))")
            let time =
                try FileManager.default.attributesOfItem(atPath: fixture.destination + "/empty.txt")[.modificationDate]
                as? Date
            #expect(time == Date(timeIntervalSince1970: 1_700_000_000), "Drive's modification time")
            #expect(
                (try FileManager.default.contentsOfDirectory(atPath: fixture.destination + "/.drivesync/partial"))
                    .isEmpty
            )

            let remote = try await DriveFolderRemote.atPath(
                fixture.pair.target,
                drive: fixture.pair.drive,
                create: false
            )
            emulator.emulator.faults.resetCallCounts()
            let again = try await PullSession(remote: remote, localRoot: fixture.destination, state: fixture.state)
                .run()
            #expect(again.actions.isEmpty && again.remoteView == .fromChangesFeed)
            let calls = emulator.emulator.faults.callCounts
            #expect(calls["changes.list"] == 1 && calls.values.reduce(0, +) == 1, "calls: \(calls)")
        }
    }

    @Test func editsMovesRenamesAndDeletesOnDriveArriveThroughTheFeed() async throws {
        try await withRunningEmulator { emulator in
            let fixture = try PullFixture(try DrivePair(emulator))
            defer { fixture.cleanUp() }
            for name in ["a/edit.txt", "a/rename.txt", "a/move.txt", "a/delete.txt", "a/trash.txt", "b/both.txt"] {
                try fixture.pair.write(name, "first \(name)")
            }
            _ = try await fixture.pair.sync()
            _ = try await fixture.pull()
            let (root, ids) = try await fixture.ids()
            let drive = fixture.pair.drive
            _ = try await drive.upload(
                ByteBuffer(string: "edited on Drive"),
                metadata: File(),
                replacing: ids["a/edit.txt"]!
            )
            _ = try await drive.updateFile(ids["a/rename.txt"]!, File(name: "renamed.txt"))
            _ = try await drive.updateFile(
                ids["a/move.txt"]!,
                File(),
                addParents: [ids["b"]!],
                removeParents: [ids["a"]!]
            )
            try await drive.deleteFile(ids["a/delete.txt"]!)
            _ = try await drive.trashFile(ids["a/trash.txt"]!)
            _ = try await drive.upload(
                ByteBuffer(string: "both on Drive"),
                metadata: File(),
                replacing: ids["b/both.txt"]!
            )
            try "and locally".write(toFile: fixture.destination + "/b/both.txt", atomically: true, encoding: .utf8)
            let fresh = try await drive.createFolder(named: "fresh", in: root)
            try await fixture.create("new.txt", "new on Drive", in: fresh.id!)
            let outside = try await drive.createFolder(named: "outside", in: "root")
            try await fixture.create("inside.txt", "moved in with its folder", in: outside.id!)
            _ = try await drive.updateFile(
                outside.id!,
                File(),
                addParents: [root],
                removeParents: [outside.parents?.first ?? "root"]
            )

            let outcome = try await fixture.pull(delete: true)
            let report = try #require(outcome.report)
            #expect(report.failures.isEmpty && outcome.remoteView == .fromChangesFeed)
            #expect(
                report.moved == 2 && report.downloaded == 4 && report.keptAside == 1 && report.trashed == 2,
                "\(report)"
            )
            #expect(try fixture.read("a/edit.txt") == "edited on Drive")
            #expect(try fixture.read("a/renamed.txt") == "first a/rename.txt")
            #expect(try fixture.read("b/move.txt") == "first a/move.txt")
            #expect(try fixture.read("b/both.txt") == "both on Drive")
            #expect(try fixture.read("fresh/new.txt") == "new on Drive")
            #expect(try fixture.read("outside/inside.txt") == "moved in with its folder")
            #expect(
                Set(try fixture.pulledTree().keys.map(\.description)) == [
                    "a", "a/edit.txt", "a/renamed.txt", "b", "b/both.txt", "b/move.txt", "fresh", "fresh/new.txt",
                    "outside", "outside/inside.txt",
                ]
            )
            #expect(
                fixture.trashed() == ["a/delete.txt", "a/trash.txt", "b/both.txt"],
                "deleted and locally edited files are kept, not lost"
            )
            #expect(try await fixture.pull(delete: true).actions.isEmpty)
        }
    }

    @Test func duplicateAndHostileNamesLandSafelyInside() async throws {
        try await withRunningEmulator { emulator in
            let fixture = try PullFixture(try DrivePair(emulator))
            defer { fixture.cleanUp() }
            _ = try await fixture.pair.remote().makeFolder(.root)
            let (root, _) = try await fixture.ids()
            let long = String(repeating: "n", count: 300) + ".txt"
            for name in ["../x", "a/b", "nul\u{0}x", long, ".", ".."] { try await fixture.create(name, name, in: root) }
            let older = try await fixture.create("dup.txt", "older", in: root)
            let newer = try await fixture.create("dup.txt", "newer", in: root)

            let outcome = try await fixture.pull()
            #expect(outcome.report?.failures.isEmpty == true)
            let names = Set(try FileManager.default.contentsOfDirectory(atPath: fixture.destination))
            #expect(
                names.isSuperset(of: [
                    "..\u{FF0F}x", "a\u{FF0F}b", "nul\u{2400}x", "\u{FF0E}", "\u{FF0E}\u{FF0E}", "dup.txt",
                    "dup (\(newer.id!)).txt",
                ])
            )
            #expect(names.contains { $0.hasPrefix("nnnn") && $0.utf8.count <= 255 && $0.hasSuffix(".txt") })
            #expect(try fixture.read("dup.txt") == "older" && older.id != nil)
            #expect(
                !FileManager.default.fileExists(
                    atPath: URL(fileURLWithPath: fixture.destination).deletingLastPathComponent().path + "/x"
                )
            )
            #expect(outcome.notes.count == 7, "\(outcome.notes)")
            let logged = try fixture.log.entries(as: PullLogEntry.self)
            #expect(
                logged.filter { $0.status == .renamed }.count == 7
                    && logged.filter { $0.status == .downloaded }.count == 8
            )
            #expect(logged.contains { $0.status == .renamed && $0.file == "../x" && $0.moved_to == "..\u{FF0F}x" })
            let again = try await fixture.pull().actions
            #expect(again.isEmpty, "the same names every time: \(again)")
        }
    }

    @Test func shortcutsAreFollowedOrSkipped() async throws {
        try await withRunningEmulator { emulator in
            let fixture = try PullFixture(try DrivePair(emulator))
            defer { fixture.cleanUp() }
            _ = try await fixture.pair.remote().makeFolder(.root)
            let (root, _) = try await fixture.ids()
            let drive = fixture.pair.drive
            let shared = try await drive.createFolder(named: "Shared", in: "root")
            let inShared = try await fixture.create("s.txt", "in the shared folder", in: shared.id!)
            let lone = try await fixture.create("lone.txt", "a file elsewhere", in: "root")
            for (name, target) in [("to shared", shared.id!), ("to lone.txt", lone.id!)] {
                var shortcut = File(name: name, mimeType: File.shortcutMimeType, parents: [root])
                shortcut.shortcutDetails = .init(targetId: target)
                _ = try await drive.createFile(shortcut)
            }
            _ = try await fixture.pull()
            #expect(try fixture.read("to shared/s.txt") == "in the shared folder")
            #expect(try fixture.read("to lone.txt") == "a file elsewhere")
            _ = try await drive.upload(
                ByteBuffer(string: "changed where it lives"),
                metadata: File(),
                replacing: inShared.id!
            )
            #expect(try await fixture.pull().report?.downloaded == 1)
            #expect(
                try fixture.read("to shared/s.txt") == "changed where it lives",
                "a target's changes come through the feed"
            )

            let skipping = try PullFixture(try DrivePair(emulator, target: fixture.pair.target.description))
            defer { skipping.cleanUp() }
            _ = try await skipping.pull(shortcuts: .skip)
            #expect(try skipping.pulledTree().isEmpty)
        }
    }

    @Test func filesSharedForViewingArePulledWhenTheOwnerAllowsDownloads() async throws {
        let users: [EmulatorConfiguration.User] = [
            .init(email: "me@example.com", token: "mine"), .init(email: "owner@example.com", token: "theirs"),
        ]
        try await withRunningEmulator(configuration: EmulatorConfiguration(users: users)) { emulator in
            let fixture = try PullFixture(try DrivePair(emulator))
            defer { fixture.cleanUp() }
            let owner = try PullFixture(try DrivePair(emulator, token: "theirs"))
            defer { owner.cleanUp() }
            let theirs = try await owner.pair.drive.createFolder(named: "Their folder", in: "root")
            try await owner.create("readable.txt", "you may read this", in: theirs.id!)
            let locked = try await owner.create("locked.txt", "view in the browser only", in: theirs.id!)
            var restricted = File()
            restricted.copyRequiresWriterPermission = true
            _ = try await owner.pair.drive.updateFile(locked.id!, restricted)
            _ = try await owner.pair.drive.createPermission(
                fileId: theirs.id!,
                Permission(type: "user", role: "reader", emailAddress: "me@example.com")
            )

            _ = try await fixture.pair.remote().makeFolder(.root)
            let (root, _) = try await fixture.ids()
            var shortcut = File(name: "shared with me", mimeType: File.shortcutMimeType, parents: [root])
            shortcut.shortcutDetails = .init(targetId: theirs.id!)
            _ = try await fixture.pair.drive.createFile(shortcut)
            let outcome = try await fixture.pull()
            #expect(outcome.report?.failures.isEmpty == true)
            #expect(try fixture.read("shared with me/readable.txt") == "you may read this")
            #expect(!FileManager.default.fileExists(atPath: fixture.destination + "/shared with me/locked.txt"))
            #expect(
                outcome.notes.contains(
                    .skipped("shared with me/locked.txt", reason: "the owner does not allow downloads")
                )
            )
        }
    }

    @Test func documentsAreExportedAndExportedAgainOnlyWhenChanged() async throws {
        try await withRunningEmulator { emulator in
            let fixture = try PullFixture(try DrivePair(emulator))
            defer { fixture.cleanUp() }
            _ = try await fixture.pair.remote().makeFolder(.root)
            let (root, _) = try await fixture.ids()
            let plan = try await fixture.create(
                "Plan",
                "Goals\nSteps",
                in: root,
                mimeType: "application/vnd.google-apps.document"
            )
            try await fixture.create(
                "Budget",
                "item,cost\ntea,3",
                in: root,
                mimeType: "application/vnd.google-apps.spreadsheet",
                uploadType: "text/csv"
            )
            try await fixture.create(
                "Deck",
                "One\n---\nTwo",
                in: root,
                mimeType: "application/vnd.google-apps.presentation"
            )
            _ = try await fixture.pair.drive.createFile(
                File(name: "Sketch", mimeType: "application/vnd.google-apps.drawing", parents: [root])
            )

            let first = try #require(try await fixture.pull().report)
            #expect(first.exported == 4 && first.failures.isEmpty)
            for name in ["Plan.docx", "Budget.xlsx", "Deck.pptx"] {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.destination + "/" + name))
                #expect(bytes.prefix(2) == Data("PK".utf8), "\(name) is an Office package")
            }
            #expect(try fixture.read("Sketch.svg").contains("<svg"))
            #expect(try await fixture.pull().actions.isEmpty, "unchanged documents are not exported again")
            _ = try await fixture.pair.drive.upload(
                ByteBuffer(string: "Goals\nSteps\nDone"),
                metadata: File(),
                replacing: plan.id!,
                options: .init(contentType: "text/plain")
            )
            let again = try #require(try await fixture.pull().report)
            #expect(again.exported == 1)

            let pdf = try PullFixture(try DrivePair(emulator, target: fixture.pair.target.description))
            defer { pdf.cleanUp() }
            _ = try await pdf.pull(exports: ["pdf"])
            #expect(
                Set(try pdf.pulledTree().keys.map(\.description)) == [
                    "Budget.pdf", "Deck.pdf", "Plan.pdf", "Sketch.pdf",
                ]
            )
        }
    }

    @Test func aFolderOfASharedDriveIsPulledAndFollowed() async throws {
        try await withRunningEmulator { emulator in
            let fixture = try PullFixture(try DrivePair(emulator, target: "Docs"))
            defer { fixture.cleanUp() }
            let team = try await fixture.pair.drive.createDrive(named: "Team", requestId: UUID().uuidString)
            let docs = try await fixture.pair.drive.createFolder(named: "Docs", in: team.id!)
            try await fixture.create("spec.md", "the spec", in: docs.id!)
            #expect(try await fixture.pull(below: team.id!).report?.downloaded == 1)
            #expect(try fixture.read("spec.md") == "the spec")
            try await fixture.create("plan.md", "the plan", in: docs.id!)
            let again = try await fixture.pull(below: team.id!)
            #expect(again.remoteView == .fromChangesFeed && again.report?.downloaded == 1)
            #expect(try fixture.read("plan.md") == "the plan")
        }
    }

    @Test func anInterruptedDownloadResumesFromItsPartialFile() async throws {
        try await withRunningEmulator { emulator in
            let fixture = try PullFixture(try DrivePair(emulator))
            defer { fixture.cleanUp() }
            var generator = SystemRandomNumberGenerator()
            let content = Data((0..<(3 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            try FileManager.default.createDirectory(atPath: fixture.pair.root, withIntermediateDirectories: true)
            try content.write(to: URL(fileURLWithPath: fixture.pair.root + "/big.bin"))
            _ = try await fixture.pair.sync()
            let id = try #require(try await fixture.ids().files["big.bin"])

            // No retries: the dropped connection ends the first pull with part of the file fetched.
            let impatient = try DrivePair(emulator, maxAttempts: 1)
            defer { impatient.cleanUp() }
            emulator.emulator.faults.add(
                FaultRule(method: "GET", path: "/files/\(id)", count: 1, action: .dropResponse)
            )
            let first = try await fixture.pull(drive: impatient.drive)
            #expect(first.report?.failures.count == 1)
            #expect(
                !FileManager.default.fileExists(atPath: fixture.destination + "/big.bin"),
                "no partial file in the mirror"
            )
            let partials = try FileManager.default.contentsOfDirectory(
                atPath: fixture.destination + "/.drivesync/partial"
            )
            let partial = fixture.destination + "/.drivesync/partial/" + (try #require(partials.first))
            let kept = try Data(contentsOf: URL(fileURLWithPath: partial))
            #expect(kept.count > 0 && kept.count < content.count && kept == content.prefix(kept.count))

            // Spoil the kept bytes: a resumed download fetches only the rest, so the MD5 check catches it…
            var spoiled = kept
            spoiled[0] ^= 0xFF
            try spoiled.write(to: URL(fileURLWithPath: partial))
            let second = try await fixture.pull()
            #expect(second.report?.failures.first?.error.contains("MD5") == true, "resumed with Range, and verified")
            #expect(!FileManager.default.fileExists(atPath: fixture.destination + "/big.bin"))
            // …and the next pull fetches it whole.
            #expect(try await fixture.pull().report?.downloaded == 1)
            #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.destination + "/big.bin")) == content)
        }
    }

    @Test func aDroppedConnectionMidStreamResumesTransparently() async throws {
        try await withRunningEmulator { emulator in
            let fixture = try PullFixture(try DrivePair(emulator))
            defer { fixture.cleanUp() }
            let content = String(repeating: "0123456789abcdef", count: 1 << 16)
            try fixture.pair.write("stream.txt", content)
            _ = try await fixture.pair.sync()
            let id = try #require(try await fixture.ids().files["stream.txt"])
            emulator.emulator.faults.add(
                FaultRule(method: "GET", path: "/files/\(id)", count: 2, action: .dropResponse)
            )
            let remote = try await DriveFolderRemote.atPath(
                fixture.pair.target,
                drive: fixture.pair.drive,
                create: false
            )
            let streamed = try await remote.read(id: id, range: nil, version: nil) { stream in
                var text = ""
                for try await buffer in stream { text += String(buffer: buffer) }
                return text
            }
            #expect(streamed == content)
        }
    }
}
