import Backup
import DriveSyncCore
import Foundation
import SyncEngine
import Testing

struct BackupTests {
    struct Folders {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("backup-\(UUID().uuidString)").path
        var source: String { root + "/project" }
        var backups: String { root + "/backups" }

        func write(_ path: String, _ text: String, modified: TimeInterval = 1_700_000_000) throws {
            let full = source + "/" + path
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: full).deletingLastPathComponent().path,
                withIntermediateDirectories: true
            )
            try Data(text.utf8).write(to: URL(fileURLWithPath: full))
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSince1970: modified)],
                ofItemAtPath: full
            )
        }

        func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
        func inode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? NSNumber)?.intValue ?? -1
        }
        func modified(_ path: String) throws -> Date? {
            try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        }
        func cleanUp() { try? FileManager.default.removeItem(atPath: root) }
    }

    func runner(_ folders: Folders, to: String? = nil, at time: TimeInterval, note: String? = nil) -> BackupRunner {
        BackupRunner(
            source: folders.source,
            destination: to ?? folders.backups,
            note: note,
            now: { Date(timeIntervalSince1970: time) }
        )
    }

    @Test func snapshotsMirrorAndKeepWhatTheyRemove() throws {
        let folders = Folders()
        defer { folders.cleanUp() }
        try folders.write("notes/a.md", "alpha")
        try folders.write("notes/b.md", "bravo")
        try folders.write("old/c.md", "charlie")
        try folders.write("node_modules/x.js", "ignored by default")
        let first = try runner(folders, at: 1_714_566_896).snapshot()
        #expect(first.record.copied == 3 && first.record.removed == 0)
        #expect(try folders.read(folders.backups + "/mirror/notes/a.md") == "alpha")
        #expect(!FileManager.default.fileExists(atPath: folders.backups + "/mirror/node_modules"))
        #expect(
            try folders.modified(folders.backups + "/mirror/notes/a.md") == Date(timeIntervalSince1970: 1_700_000_000),
            "times are kept"
        )

        try folders.write("notes/a.md", "alpha two", modified: 1_700_000_100)
        try folders.write("new.md", "new")
        try FileManager.default.removeItem(atPath: folders.source + "/old")
        let dry = try runner(folders, at: 1_714_570_000).snapshot(dryRun: true)
        #expect(dry.record.copied == 2 && dry.record.removed == 1 && dry.record.unchanged == 1)
        #expect(try folders.read(folders.backups + "/mirror/notes/a.md") == "alpha", "a dry run changes nothing")
        #expect(FileManager.default.fileExists(atPath: folders.backups + "/mirror/old/c.md"))

        let second = try runner(folders, at: 1_714_570_000).snapshot()
        #expect(
            second.record.changelog.map { "\($0.change.rawValue) \($0.path)" }.sorted() == [
                "added new.md", "modified notes/a.md", "removed old/c.md",
            ]
        )
        #expect(try folders.read(folders.backups + "/mirror/notes/a.md") == "alpha two")
        #expect(!FileManager.default.fileExists(atPath: folders.backups + "/mirror/old"), "the emptied folder went too")
        #expect(
            try folders.read(folders.backups + "/deleted/20240501T132640Z/old/c.md") == "charlie",
            "removed files are kept aside"
        )
        let record = try JSONDecoder().decode(
            BackupRecord.self,
            from: Data(contentsOf: URL(fileURLWithPath: folders.backups + "/records/20240501T132640Z.json"))
        )
        #expect(record.mode == .snapshot && record.removedBytes == 7 && record.source == folders.source)
        #expect(try runner(folders, at: 1_714_580_000).snapshot().record.copied == 0, "nothing changed, nothing copied")
    }

    @Test func aPathThatChangedKindIsReplacedAndTheOldOneKept() throws {
        let folders = Folders()
        defer { folders.cleanUp() }
        try folders.write("report", "a file first")
        try folders.write("assets/logo.svg", "svg")
        _ = try runner(folders, at: 1_714_566_896).snapshot()
        try FileManager.default.removeItem(atPath: folders.source + "/report")
        try FileManager.default.removeItem(atPath: folders.source + "/assets")
        try folders.write("report/summary.md", "now a folder")
        try folders.write("assets", "now a file")
        let second = try runner(folders, at: 1_714_570_000).snapshot()
        #expect(try folders.read(folders.backups + "/mirror/report/summary.md") == "now a folder")
        #expect(try folders.read(folders.backups + "/mirror/assets") == "now a file")
        #expect(try folders.read(folders.backups + "/deleted/20240501T132640Z/report") == "a file first")
        #expect(try folders.read(folders.backups + "/deleted/20240501T132640Z/assets/logo.svg") == "svg")
        #expect(second.record.removed == 2 && second.record.copied == 2)
    }

    @Test func versionsShareUnchangedFilesAsHardLinks() throws {
        let folders = Folders()
        defer { folders.cleanUp() }
        try folders.write("same.txt", "unchanged")
        try folders.write("edit.txt", "v1")
        try folders.write("gone.txt", "bye")
        let first = try runner(folders, at: 1_714_566_896, note: "first").versioned()
        #expect(first.record.copied == 3 && first.record.linked == 0 && first.record.note == "first")
        try folders.write("edit.txt", "v2", modified: 1_700_000_500)
        try FileManager.default.removeItem(atPath: folders.source + "/gone.txt")
        let dry = try runner(folders, at: 1_714_570_000).versioned(dryRun: true)
        #expect(dry.record.linked == 1 && dry.record.copied == 1)
        #expect(try runner(folders, at: 1_714_570_000).versions() == ["20240501T123456Z"], "a dry run makes no version")

        let second = try runner(folders, at: 1_714_570_000).versioned()
        #expect(
            second.record.changelog.map { "\($0.change.rawValue) \($0.path)" }.sorted() == [
                "modified edit.txt", "removed gone.txt",
            ]
        )
        let versions = try runner(folders, at: 0).versions()
        #expect(versions == ["20240501T123456Z", "20240501T132640Z"])
        let (old, new) = (folders.backups + "/" + versions[0], folders.backups + "/" + versions[1])
        #expect(
            try folders.inode(old + "/same.txt") == (try folders.inode(new + "/same.txt")),
            "the same inode: the version costs nothing for it"
        )
        #expect(try folders.inode(old + "/edit.txt") != (try folders.inode(new + "/edit.txt")))
        #expect(try folders.read(old + "/edit.txt") == "v1" && (try folders.read(new + "/edit.txt")) == "v2")
        #expect(
            try folders.read(old + "/gone.txt") == "bye" && !FileManager.default.fileExists(atPath: new + "/gone.txt")
        )
        #expect(!second.record.linksFellBackToCopies)
    }

    @Test func theBackupFolderInsideTheSourceIsNeverBackedUp() throws {
        let folders = Folders()
        defer { folders.cleanUp() }
        try folders.write("a.txt", "a")
        let inside = folders.source + "/backups/system_snapshot"
        _ = try runner(folders, to: inside, at: 1_714_566_896).snapshot()
        let again = try runner(folders, to: inside, at: 1_714_570_000).snapshot()
        #expect(again.record.copied == 0 && again.record.unchanged == 1)
        #expect(!FileManager.default.fileExists(atPath: inside + "/mirror/backups/system_snapshot"))
        #expect(throws: BackupRunner.Failure.self) {
            try BackupRunner(source: folders.source, destination: folders.source).snapshot()
        }
    }

    @Test func aStoppedBackupLeavesNoVersionAndTheNextRunFinishes() throws {
        let folders = Folders()
        defer { folders.cleanUp() }
        try folders.write("a.md", "alpha")
        try folders.write("b.md", "bravo")
        let stop = StopRequest()
        stop.request()
        #expect(throws: CancellationError.self) { try runner(folders, at: 1_714_566_896).versioned(stop: stop) }
        #expect(try runner(folders, at: 1_714_566_896).versions().isEmpty, "an unfinished version stays hidden")
        #expect(throws: CancellationError.self) { try runner(folders, at: 1_714_566_896).snapshot(stop: stop) }
        let finished = try runner(folders, at: 1_714_566_897).versioned()
        #expect(finished.record.copied == 2)
        #expect(try runner(folders, at: 1_714_566_898).versions() == [finished.record.version])
        let mirrored = try runner(folders, at: 1_714_566_899).snapshot()
        #expect(mirrored.record.copied == 2)
        #expect(try folders.read(folders.backups + "/mirror/b.md") == "bravo")
    }
}

struct BackupPlannerTests {
    func file(_ path: String, size: Int64 = 1, modified: Int64 = 1) throws -> LocalItem {
        LocalItem(path: try RemotePath(path), kind: .file, size: size, modified: modified)
    }

    func folder(_ path: String) throws -> LocalItem { LocalItem(path: try RemotePath(path), kind: .folder) }

    @Test func snapshotsPairBothSortedScansInOnePass() throws {
        let source = [
            try folder("a"), try file("a/b", size: 2), try file("a/c"), try file("a-d"), try file("z", modified: 5),
        ]
        let mirror = [
            try folder("a"), try file("a/c"), try folder("a/old"), try file("a/old/x", size: 3), try file("a.txt"),
            try file("z"),
        ]
        #expect(
            BackupPlanner.snapshot(source: source, mirror: mirror) == [
                .copy(try RemotePath("a/b"), .added, bytes: 2), .keep(try RemotePath("a/c")),
                .copy(try RemotePath("a-d"), .added, bytes: 1),
                .copy(try RemotePath("z"), .modified, bytes: 1),
                .remove(try RemotePath("a.txt"), isFolder: false, bytes: 1),
                .remove(try RemotePath("a/old/x"), isFolder: false, bytes: 3),
                .remove(try RemotePath("a/old"), isFolder: true, bytes: 0),
            ]
        )
    }

    @Test func versionsLinkWhatIsUnchangedAndTheChangelogSeesRemovals() throws {
        let previous = [try folder("a"), try file("a/b"), try file("a/c", size: 4), try file("gone")]
        let source = [try folder("a"), try file("a/b"), try file("a/c", size: 5), try file("new")]
        #expect(
            BackupPlanner.versioned(source: source, previous: previous) == [
                .makeFolder(try RemotePath("a")), .link(try RemotePath("a/b"), bytes: 1),
                .copy(try RemotePath("a/c"), .modified, bytes: 5),
                .copy(try RemotePath("new"), .added, bytes: 1),
            ]
        )
        #expect(BackupPlanner.removedSince(previous, source: source) == [try RemotePath("gone")])
        #expect(
            BackupPlanner.changes(from: previous, to: source).map { "\($0.1.rawValue) \($0.0)" } == [
                "modified a/c", "removed gone", "added new",
            ]
        )
    }
}

struct RetentionPolicyTests {
    /// Every six hours from 2024-01-01 to 2024-03-31.
    let history: [Date] = stride(from: 1_704_067_200.0, through: 1_711_843_200.0, by: 6 * 3600).map {
        Date(timeIntervalSince1970: $0)
    }

    func kept(_ policy: RetentionPolicy) -> [Date] { policy.apply(to: history).filter(\.keep).map(\.version) }

    @Test func calendarBucketsKeepTheNewestOfEach() {
        #expect(kept(RetentionPolicy(last: 3)) == Array(history.suffix(3).reversed()))
        let daily = kept(RetentionPolicy(daily: 7))
        #expect(daily.count == 7)
        #expect(Set(daily.map { RetentionPolicy.utc.component(.day, from: $0) }).count == 7, "one per day")
        #expect(
            daily.allSatisfy { RetentionPolicy.utc.component(.hour, from: $0) == 18 || $0 == history.last },
            "the day's newest"
        )
        #expect(kept(RetentionPolicy(monthly: 12)).count == 3, "only three months exist")
        #expect(kept(RetentionPolicy(yearly: 5)) == [history.last!])
        let combined = RetentionPolicy(last: 2, daily: 3, weekly: 2, monthly: 2).apply(to: history)
        #expect(combined.first?.reasons.contains("newest") == true)
        // Newest (31 March 00:00) with the last 2, daily 3 (30 and 29 March at 18:00), weekly 2 (24 March,
        // the previous ISO week) and monthly 2 (29 February).
        let keptDays = combined.filter(\.keep).map {
            RetentionPolicy.utc.dateComponents([.month, .day], from: $0.version)
        }.map { "\($0.month!)/\($0.day!)" }
        #expect(keptDays == ["3/31", "3/30", "3/29", "3/24", "2/29"])
    }

    @Test func theNewestIsAlwaysKept() {
        let decisions = RetentionPolicy().apply(to: history)
        #expect(decisions.filter(\.keep).map(\.version) == [history.last!])
        #expect(RetentionPolicy(last: 1).apply(to: []).isEmpty)
    }
}

struct PruneTests {
    @Test func pruneRemovesVersionsThePolicyDropsButNeverTheNewest() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("prune-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/src", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/src/x.txt"))
        // Five versions, a day apart.
        for day in 0..<5 {
            _ = try BackupRunner(
                source: root + "/src",
                destination: root + "/v",
                now: { Date(timeIntervalSince1970: 1_714_566_896 + Double(day) * 86_400) }
            ).versioned()
        }
        let runner = BackupRunner(source: root + "/src", destination: root + "/v")
        #expect(try runner.versions().count == 5)
        let planned = try runner.prune(RetentionPolicy(last: 2), dryRun: true)
        #expect(planned.filter { !$0.decision.keep }.count == 3)
        #expect(try runner.versions().count == 5, "a dry run removes nothing")
        _ = try runner.prune(RetentionPolicy(last: 2))
        #expect(try runner.versions() == ["20240504T123456Z", "20240505T123456Z"])
        #expect(
            try String(contentsOfFile: root + "/v/20240505T123456Z/x.txt", encoding: .utf8) == "x",
            "linked files survive the removal of older versions"
        )
        _ = try runner.prune(RetentionPolicy())
        #expect(try runner.versions() == ["20240505T123456Z"], "the newest always stays")
        #expect(try runner.record(of: "20240505T123456Z").mode == .versioned)
    }
}

struct RestoreTests {
    @Test func restoresWholeVersionsAndSingleFilesWithTheirTimes() throws {
        let folders = BackupTests.Folders()
        defer { folders.cleanUp() }
        try folders.write("notes/a.md", "alpha", modified: 1_700_000_000)
        try folders.write("b.txt", "bravo", modified: 1_700_000_050)
        let runner = BackupRunner(
            source: folders.source,
            destination: folders.backups,
            now: { Date(timeIntervalSince1970: 1_714_566_896) }
        )
        let version = try runner.versioned().record.version
        try folders.write("b.txt", "bravo two", modified: 1_700_000_100)
        try folders.write("c.txt", "new")
        let later = BackupRunner(
            source: folders.source,
            destination: folders.backups,
            now: { Date(timeIntervalSince1970: 1_714_570_000) }
        )
        let second = try later.versioned().record.version
        #expect(
            try later.diff(version, second)
                == .init(added: [try RemotePath("c.txt")], removed: [], modified: [try RemotePath("b.txt")])
        )

        let whole = folders.root + "/restored"
        let report = try runner.restore(version: version, to: whole)
        #expect(report.restored.count == 2 && report.bytes == 10)
        #expect(try folders.read(whole + "/b.txt") == "bravo")
        #expect(try folders.modified(whole + "/notes/a.md") == Date(timeIntervalSince1970: 1_700_000_000))

        // Refused over existing files, nothing written; accepted with overwrite.
        try Data("local".utf8).write(to: URL(fileURLWithPath: whole + "/b.txt"))
        let refused = #expect(throws: BackupRunner.Failure.self) { try runner.restore(version: second, to: whole) }
        #expect(refused?.description.contains("--overwrite") == true)
        #expect(
            try folders.read(whole + "/b.txt") == "local" && !FileManager.default.fileExists(atPath: whole + "/c.txt")
        )
        _ = try runner.restore(version: second, paths: [try RemotePath("b.txt")], to: whole, overwrite: true)
        #expect(
            try folders.read(whole + "/b.txt") == "bravo two"
                && !FileManager.default.fileExists(atPath: whole + "/c.txt"),
            "only the path asked for"
        )

        let single = folders.root + "/single"
        #expect(
            try runner.restore(version: version, paths: [try RemotePath("notes")], to: single).restored.map(
                \.description
            ) == ["notes/a.md"]
        )
        #expect(throws: BackupRunner.Failure.self) {
            try runner.restore(version: version, paths: [try RemotePath("nope.txt")], to: single)
        }
        #expect(throws: BackupRunner.Failure.self) { try runner.restore(version: "20000101T000000Z", to: single) }
    }

}
