import Dispatch
public import DriveSyncCore
public import Foundation
import LocalFiles
import SyncEngine
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs snapshot and versioned backups of a local folder into a backup folder.
///
/// Layout: a snapshot keeps `TO/mirror/` (the mirror), `TO/deleted/STAMP/` (what each run removed)
/// and `TO/records/STAMP.json`; versioned backups keep `TO/STAMP/` (a complete tree per version,
/// unchanged files hard-linked to the previous one) and `TO/STAMP.json`. A version is built as
/// `TO/STAMP.partial` and renamed when complete, so a killed run never leaves a half version.
public struct BackupRunner: Sendable {
    public var source: String
    public var destination: String
    public var note: String?
    public var checksum: Bool
    public var extraIgnores: [String]
    let now: @Sendable () -> Date

    /// Build outputs, caches and virtual environments: not worth keeping.
    public static let defaultIgnores = [
        ".build/", "build/", "dist/", "target/", "DerivedData/", "node_modules/", "__pycache__/", "*.pyc",
        ".venv/", "venv/", ".tox/", ".mypy_cache/", ".pytest_cache/", ".cache/", ".gradle/",
    ]

    public init(
        source: String,
        destination: String,
        note: String? = nil,
        checksum: Bool = false,
        extraIgnores: [String] = [],
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.source = URL(fileURLWithPath: source).standardizedFileURL.path
        self.destination = URL(fileURLWithPath: destination).standardizedFileURL.path
        self.note = note
        self.checksum = checksum
        self.extraIgnores = extraIgnores
        self.now = now
    }

    public struct Outcome: Sendable {
        public var record: BackupRecord
        public var steps: [BackupStep]
        public var warnings: [String]
    }

    /// Why a backup, restore or prune refused to go on.
    public struct Failure: UserFacingError {
        public struct Code: Hashable, Sendable {
            let name: String
            public static let destinationIsSource = Code(name: "destinationIsSource")
            public static let noSuchVersion = Code(name: "noSuchVersion")
            public static let notInVersion = Code(name: "notInVersion")
            public static let wouldOverwrite = Code(name: "wouldOverwrite")
            public static let restoredCopyDiffers = Code(name: "restoredCopyDiffers")
        }

        public var code: Code
        public var description: String

        init(_ code: Code, _ description: String) {
            self.code = code
            self.description = description
        }
    }

    /// The source's files, leaving out the defaults and the backup folder when it lies inside the source.
    func scanSource() throws -> LocalScanner.Result {
        var ignores = Self.defaultIgnores + extraIgnores
        if destination.hasPrefix(source + "/") {
            let inside = String(destination.dropFirst(source.count + 1))
            ignores.append("/" + inside.map { "*?[\\\\".contains($0) ? "\\\\\\($0)" : String($0) }.joined() + "/")
        }
        guard source != destination else {
            throw Failure(.destinationIsSource, "the backup folder cannot be the source itself; choose another --to")
        }
        var result = try LocalScanner(options: .init(extraIgnores: ignores)).scan(root: source)
        if checksum { try hash(&result.items, root: source) }
        return result
    }

    private func hash(_ items: inout [LocalItem], root: String) throws {
        for index in items.indices where items[index].kind == .file {
            items[index].md5 = try FileDigest.md5(ofFile: root + "/" + items[index].path.description)
        }
    }

    /// Everything in a backed-up tree, as it is (no ignore rules).
    func scanTree(_ root: String) throws -> [LocalItem] {
        guard FileManager.default.fileExists(atPath: root) else { return [] }
        var items = try LocalScanner(options: .init(useDefaultIgnores: false)).scan(root: root).items
        if checksum { try hash(&items, root: root) }
        return items
    }

    // MARK: Snapshot

    /// Mirrors the source. A `stop` request ends the run between files with `CancellationError`: each
    /// copy is whole, and the next run finishes the mirror.
    public func snapshot(dryRun: Bool = false, stop: StopRequest? = nil) throws -> Outcome {
        let started = Date()
        let stamp = freeStamp { destination + "/records/\($0).json" }
        let mirror = destination + "/mirror"
        let (scan, mirrored) = try bothAtOnce(scanSource, { try scanTree(mirror) })
        let steps = BackupPlanner.snapshot(source: scan.items, mirror: mirrored)
        var record = BackupRecord(version: stamp, time: now(), source: source, mode: .snapshot, note: note)
        let deleted = destination + "/deleted/" + stamp
        if !dryRun { try FileManager.default.createDirectory(atPath: mirror, withIntermediateDirectories: true) }
        for step in steps {
            if stop?.isRequested == true { throw CancellationError() }
            switch step {
            case .makeFolder(let path):
                if !dryRun {
                    try FileManager.default.createDirectory(
                        atPath: mirror + "/" + path.description,
                        withIntermediateDirectories: true
                    )
                }
            case .copy(let path, let change, let bytes):
                try copyChanged(path, change, into: mirror, bytes: bytes, record: &record, dryRun: dryRun)
            case .keep:
                record.unchanged += 1
            case .remove(let path, let isFolder, let bytes):
                let from = mirror + "/" + path.description
                if isFolder {
                    if !dryRun { _ = rmdir(from) }  // emptied by the moves before it; anything left keeps it
                    continue
                }
                if !dryRun {
                    let to = deleted + "/" + path.description
                    try FileManager.default.createDirectory(
                        atPath: URL(fileURLWithPath: to).deletingLastPathComponent().path,
                        withIntermediateDirectories: true
                    )
                    try Self.move(from: from, to: to)
                }
                record.removed += 1
                record.removedBytes += bytes
                record.changelog.append(.init(path: path.description, change: .removed))
            case .link:
                break
            }
        }
        record.durationSeconds = Date().timeIntervalSince(started)
        if !dryRun { try write(record, to: destination + "/records/\(stamp).json") }
        return Outcome(record: record, steps: steps, warnings: scan.warnings.map(\.description))
    }

    // MARK: Versioned

    /// Versions in the backup folder, oldest first (their stamps).
    public func versions() throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: destination)) ?? []
        return names.filter { name in
            name.count == 16 && name.hasSuffix("Z") && !name.contains(".")
                && FileManager.default.fileExists(atPath: destination + "/" + name + ".json")
        }.sorted()
    }

    /// Makes a new version. A `stop` request ends the run between files with `CancellationError`; the
    /// unfinished version stays hidden (`.partial`) and the next run starts it again.
    public func versioned(dryRun: Bool = false, stop: StopRequest? = nil) throws -> Outcome {
        let started = Date()
        let existing = try versions()
        let stamp = freeStamp { destination + "/" + $0 }
        let previousRoot = existing.last.map { destination + "/" + $0 }
        let (scan, previous) = try bothAtOnce(scanSource, { try previousRoot.map(scanTree) ?? [] })
        let steps = BackupPlanner.versioned(source: scan.items, previous: previous)
        var record = BackupRecord(version: stamp, time: now(), source: source, mode: .versioned, note: note)
        var warnings = scan.warnings.map(\.description)
        let building = destination + "/" + stamp + ".partial"
        if !dryRun {
            try? FileManager.default.removeItem(atPath: building)  // a killed run's leftovers
            try FileManager.default.createDirectory(atPath: building, withIntermediateDirectories: true)
        }
        for step in steps {
            if stop?.isRequested == true { throw CancellationError() }
            switch step {
            case .makeFolder(let path):
                if !dryRun {
                    try FileManager.default.createDirectory(
                        atPath: building + "/" + path.description,
                        withIntermediateDirectories: true
                    )
                }
            case .copy(let path, let change, let bytes):
                try copyChanged(path, change, into: building, bytes: bytes, record: &record, dryRun: dryRun)
            case .link(let path, let bytes):
                if !dryRun, let previousRoot {
                    if link(previousRoot + "/" + path.description, building + "/" + path.description) != 0 {
                        // Another file system, or too many links: a copy keeps the version complete.
                        if !record.linksFellBackToCopies {
                            warnings.append(
                                "hard links are impossible in \(destination) (\(String(cString: strerror(errno)))); unchanged files are copied"
                            )
                        }
                        record.linksFellBackToCopies = true
                        try Self.copy(from: source + "/" + path.description, to: building + "/" + path.description)
                    }
                }
                record.linked += 1
                record.linkedBytes += bytes
            case .keep, .remove:
                break
            }
        }
        for path in BackupPlanner.removedSince(previous, source: scan.items) {
            record.removed += 1
            record.changelog.append(.init(path: path.description, change: .removed))
        }
        record.durationSeconds = Date().timeIntervalSince(started)
        if !dryRun {
            try write(record, to: destination + "/" + stamp + ".json")
            try Self.move(from: building, to: destination + "/" + stamp)
        }
        return Outcome(record: record, steps: steps, warnings: warnings)
    }

    /// Runs two independent walks on two threads: the source and the backup are read at the same time.
    private func bothAtOnce<First: Sendable, Second: Sendable>(
        _ first: @Sendable () throws -> First,
        _ second: @Sendable () throws -> Second
    ) throws -> (First, Second) {
        let results = Mutex<(Result<First, any Error>?, Result<Second, any Error>?)>((nil, nil))
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            if index == 0 {
                let result = Result { try first() }
                results.withLock { $0.0 = result }
            } else {
                let result = Result { try second() }
                results.withLock { $0.1 = result }
            }
        }
        let (firstResult, secondResult) = results.withLock { $0 }
        return (try firstResult!.get(), try secondResult!.get())
    }

    /// The stamp of now, or of the next second whose `path` is free: two runs in one second never share one.
    private func freeStamp(_ path: (String) -> String) -> String {
        var time = now()
        while FileManager.default.fileExists(atPath: path(ArchiveNaming.stamp(time))) { time.addTimeInterval(1) }
        return ArchiveNaming.stamp(time)
    }

    // MARK: File operations

    /// Copies a new or changed source file into a backup tree and counts it in the record (both modes).
    private func copyChanged(
        _ path: RemotePath,
        _ change: BackupStep.Change,
        into tree: String,
        bytes: Int64,
        record: inout BackupRecord,
        dryRun: Bool
    ) throws {
        if !dryRun { try Self.copy(from: source + "/" + path.description, to: tree + "/" + path.description) }
        record.copied += 1
        record.copiedBytes += bytes
        record.changelog.append(.init(path: path.description, change: change))
    }

    private func write(_ record: BackupRecord, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
            withIntermediateDirectories: true
        )
        try AtomicFile.write(try record.encoded(), to: path)
    }

    /// Copies a file with its modification time and permissions; a reader never sees half a file, and
    /// a killed run's copy is overwritten by the next.
    static func copy(from source: String, to target: String) throws(FileError) {
        try AtomicFile.copy(from: source, to: target, temporary: target + ".drivesync-partial")
    }

    static func move(from source: String, to target: String) throws(FileError) {
        guard rename(source, target) == 0 else { throw FileError("move \(source) to", target) }
    }
}

extension BackupRunner {
    /// Applies a retention policy to the versions in the backup folder; returns each version's decision.
    /// Removed versions go with their records; hard links keep files still used by newer versions.
    public func prune(
        _ policy: RetentionPolicy,
        dryRun: Bool = false
    ) throws -> [(version: String, decision: RetentionPolicy.Decision)] {
        let stamps = try versions()
        let dated = stamps.compactMap { stamp in ArchiveNaming.date(fromStamp: stamp).map { (stamp, $0) } }
        let byDate = Dictionary(dated.map { ($0.1, $0.0) }, uniquingKeysWith: { first, _ in first })
        let decisions = policy.apply(to: dated.map(\.1))
        var result: [(String, RetentionPolicy.Decision)] = []
        for decision in decisions {
            guard let stamp = byDate[decision.version] else { continue }
            if !decision.keep, !dryRun {
                try FileManager.default.removeItem(atPath: destination + "/" + stamp)
                try FileManager.default.removeItem(atPath: destination + "/" + stamp + ".json")
            }
            result.append((stamp, decision))
        }
        return result
    }

    /// The record of a version.
    public func record(of version: String) throws -> BackupRecord {
        let path = destination + "/" + version + ".json"
        guard FileManager.default.fileExists(atPath: path) else {
            throw Failure(.noSuchVersion, "no version \(version) in \(destination); see drivesync backup list")
        }
        return try BackupRecord.read(from: path)
    }
}
