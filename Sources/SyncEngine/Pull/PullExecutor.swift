import Crypto
public import DriveSyncCore
import Foundation
import LocalFiles
import NIOCore
import SyncState
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a pull did.
public struct PullReport: Sendable {
    public var downloaded = 0
    public var exported = 0
    public var bytes: Int64 = 0
    public var moved = 0
    public var adopted = 0
    public var trashed = 0
    public var keptAside = 0
    public var foldersMade = 0
    public var failures: [(path: RemotePath, error: String)] = []
    /// Files not fetched, or cut short, because the run stopped; the next pull fetches them (resuming
    /// partial downloads).
    public var notStarted = 0
    /// The run was asked to stop (a signal) or cancelled before it fetched everything.
    public var stopped = false
    /// What went wrong beside the files themselves (a log line that could not be written).
    public var warnings: [String] = []
}

/// Runs a pull's actions against the local folder: folders, then local moves, then transfers
/// (`transfers` at once), then removals. A failed file is reported and retried by the next pull; the
/// rest go on.
struct PullExecutor: Sendable {
    let remote: any RemoteTree
    let root: String
    let state: StateStore
    let logs: SyncLogs
    let transfers: Int
    let stop: StopRequest?
    let fileFinished: (@Sendable (RemotePath, _ failed: Bool) -> Void)?
    let now: @Sendable () -> Date
    /// Log lines that could not be written, gathered from concurrent transfers into the report's warnings.
    private let logFailures = LogFailures()

    private final class LogFailures: Sendable {
        let lines = Mutex<[String]>([])
    }

    init(
        remote: any RemoteTree,
        root: String,
        state: StateStore,
        logs: SyncLogs,
        transfers: Int,
        stop: StopRequest?,
        fileFinished: (@Sendable (RemotePath, _ failed: Bool) -> Void)? = nil,
        now: @escaping @Sendable () -> Date
    ) {
        self.remote = remote
        self.root = root
        self.state = state
        self.logs = logs
        self.transfers = transfers
        self.stop = stop
        self.fileFinished = fileFinished
        self.now = now
    }

    var partialFolder: String { root + "/" + PullSession.dataFolder + "/partial" }

    func run(_ actions: [PullAction]) async -> PullReport {
        var report = PullReport()
        // This run's dated trash.
        let trash = root + "/" + PullSession.dataFolder + "/trash/" + ArchiveNaming.stamp(now())
        var downloads: [(PullTarget, LocalReplacement)] = []
        for action in actions {
            switch action {
            case .makeFolder(let path, let replacing):
                do {
                    if replacing == .keptAside {
                        try await moveAside(path, to: trash, status: .keptAside)
                        report.keptAside += 1
                    }
                    try await offload { [folder = local(path)] in
                        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    }
                    report.foldersMade += 1
                } catch {
                    await fail(path, error, report: &report)
                }
            case .move(let from, let target):
                do {
                    guard let record = try await state.items.syncedItem(at: from) else {
                        throw RemoteError(.notFound, from, "the state keeps no record of it")
                    }
                    try await offload { [source = local(from), destination = local(target.path)] in
                        guard rename(source, destination) == 0 else { throw FileError("rename", source) }
                    }
                    try await state.items.forget(from)
                    var moved = record
                    moved.path = target.path
                    try await state.items.recordSynced(moved)
                    report.moved += 1
                    await log(
                        PullLogEntry(
                            timestamp: timestamp(),
                            file: from.description,
                            status: .moved,
                            drive_id: target.sourceID,
                            bytes: record.size,
                            moved_to: target.path.description
                        )
                    )
                } catch {
                    await fail(from, error, report: &report)
                }
            case .trash(let path):
                do {
                    try await moveAside(path, to: trash, status: .trashed)
                    report.trashed += 1
                } catch {
                    await fail(path, error, report: &report)
                }
            case .forget(let path):
                do { try await state.items.forget(path) } catch { await fail(path, error, report: &report) }
            case .adopt(let target):
                do {
                    try await state.items.recordSynced(record(target, size: target.size, md5: target.md5))
                    report.adopted += 1
                    await log(
                        PullLogEntry(
                            timestamp: timestamp(),
                            file: target.path.description,
                            status: .adopted,
                            drive_id: target.sourceID,
                            bytes: target.size,
                            md5: target.md5
                        )
                    )
                } catch {
                    await fail(target.path, error, report: &report)
                }
            case .download(let target, let replacing):
                downloads.append((target, replacing))
            }
        }
        var started = 0
        func keepStarting() -> Bool {
            if Task.isCancelled || stop?.isRequested == true { report.stopped = true }
            if !report.stopped { started += 1 }
            return !report.stopped
        }
        await forEachConcurrently(downloads, limit: transfers, while: keepStarting) { target, replacing in
            do {
                return (
                    target, replacing,
                    Result<(Int64, String), any Error>.success(
                        try await fetch(target, replacing: replacing, trash: trash)
                    )
                )
            } catch {
                return (target, replacing, .failure(error))
            }
        } absorb: { target, replacing, result in
            switch result {
            case .success(let (bytes, md5)):
                let isExport = if case .export = target.content { true } else { false }
                if isExport { report.exported += 1 } else { report.downloaded += 1 }
                if replacing == .keptAside { report.keptAside += 1 }
                report.bytes += bytes
                await log(
                    PullLogEntry(
                        timestamp: timestamp(),
                        file: target.path.description,
                        status: isExport ? .exported : .downloaded,
                        drive_id: target.sourceID,
                        bytes: bytes,
                        md5: md5
                    )
                )
                fileFinished?(target.path, false)
            case .failure(let error) where Task.isCancelled || isCancellation(error):
                // Not a failure: the partial file stays and the next pull resumes it.
                report.stopped = true
                report.notStarted += 1
            case .failure(let error):
                await fail(target.path, error, report: &report)
                fileFinished?(target.path, true)
            }
        }
        report.notStarted += downloads.count - started
        report.warnings = logFailures.lines.withLock { $0 }
        return report
    }

    // MARK: One file

    /// Downloads or exports one target into place (what is in the way kept aside first); returns its
    /// size and MD5.
    private func fetch(_ target: PullTarget, replacing: LocalReplacement, trash: String) async throws -> (Int64, String)
    {
        let partial = partialFolder + "/" + Self.partialName(for: target)
        let resumable = if case .file = target.content { true } else { false }
        let (resumed, descriptor) = try await offload { [partialFolder] in
            try FileManager.default.createDirectory(atPath: partialFolder, withIntermediateDirectories: true)
            return try Self.openPartial(partial, resumable: resumable, limit: target.size)
        }
        var hasher = resumed?.hasher ?? Insecure.MD5()
        let offset = resumed?.size ?? 0
        var written = offset
        let md5: String
        // Until the commit below, a failure closes the partial file; the next pull resumes it (or, when
        // its content proved wrong, starts it again).
        do {
            let write: (any AsyncSequence<ByteBuffer, any Error>) async throws -> Void = { stream in
                var writer = BatchedWriter(descriptor: descriptor, path: partial)
                try await writer.write(contentsOf: stream) { buffer in
                    buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                    written += Int64(buffer.readableBytes)
                }
            }
            switch target.content {
            case .export(let mimeType):
                try await remote.export(id: target.sourceID, as: mimeType, write)
            case .file where offset < target.size:
                try await remote.read(
                    id: target.sourceID,
                    range: offset > 0 ? offset..<target.size : nil,
                    version: target.version,
                    write
                )
            case .file, .folder:
                break
            }
            md5 = Hex.lowercase(hasher.finalize())
            if case .file = target.content, let expected = target.md5, md5 != expected {
                unlink(partial)
                throw RemoteError(
                    .contentMismatch,
                    target.path,
                    "downloaded MD5 \(md5), Drive says \(expected); the file changed on Drive or arrived damaged (the next pull fetches it again)"
                )
            }
            if replacing == .keptAside { try await moveAside(target.path, to: trash, status: .keptAside) }
        } catch {
            close(descriptor)
            throw error
        }
        let modified = timespec(milliseconds: target.modified)
        try await offload { [local = local(target.path)] in
            try AtomicFile.commit(partial, descriptor: descriptor, to: local, modified: modified, durable: true)
        }
        try await state.items.recordSynced(record(target, size: written, md5: md5))
        return (written, md5)
    }

    /// What the state keeps of a pulled file.
    private func record(_ target: PullTarget, size: Int64, md5: String?) -> SyncedItem {
        SyncedItem(
            path: target.path,
            kind: .file,
            size: size,
            modified: target.modified,
            md5: md5,
            remoteID: target.sourceID,
            remoteMD5: target.md5,
            remoteModified: target.modified,
            headRevision: target.version,
            lastSynced: DriveTimestamp.milliseconds(of: now())
        )
    }

    /// Partial downloads are named by item and content, so a resumed one is the same content.
    static func partialName(for target: PullTarget) -> String {
        let content: String
        switch target.content {
        case .export: content = "export"
        case .file, .folder: content = target.md5 ?? target.version ?? "content"
        }
        return "\(target.sourceID)-\(content).partial".replacingOccurrences(of: "/", with: "_")
    }

    /// Moves a local file or folder into the trash, keeping its place in the tree.
    private func moveAside(_ path: RemotePath, to trash: String, status: PullLogEntry.Status) async throws {
        let destination = trash + "/" + path.description
        try await offload { [source = local(path)] in
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: destination).deletingLastPathComponent().path,
                withIntermediateDirectories: true
            )
            guard rename(source, destination) == 0 else { throw FileError("move to the trash", source) }
        }
        await log(
            PullLogEntry(
                timestamp: timestamp(),
                file: path.description,
                status: status,
                moved_to: String(destination.dropFirst(root.count + 1))
            )
        )
    }

    private func fail(_ path: RemotePath, _ error: any Error, report: inout PullReport) async {
        report.failures.append((path, "\(error)"))
        await log(PullLogEntry(timestamp: timestamp(), file: path.description, status: .failed, error: "\(error)"))
    }

    /// Appends to the pull log; a line that cannot be written becomes a warning of the run, not a failure
    /// of the file it is about.
    private func log(_ entry: PullLogEntry) async {
        do {
            try await logs.pulls?.append(entry)
        } catch {
            logFailures.lines.withLock { $0.append("the pull log lost a line about \(entry.file): \(error)") }
        }
    }
    private func timestamp() -> String { DriveTimestamp.format(now()) }
    private func local(_ path: RemotePath) -> String { root + "/" + path.description }

    // MARK: File system

    /// Opens the partial download for appending. The bytes an interrupted pull left (no more than
    /// `limit`) are hashed and kept when `resumable`; otherwise the file starts empty.
    static func openPartial(
        _ path: String,
        resumable: Bool,
        limit: Int64
    ) throws -> (resumed: (hasher: Insecure.MD5, size: Int64)?, descriptor: Int32) {
        var resumed: (hasher: Insecure.MD5, size: Int64)?
        var hasher = Insecure.MD5()
        if resumable, let size = try? FileDigest.md5(ofFile: path, into: &hasher), size <= limit {
            resumed = (hasher, size)
        } else {
            unlink(path)
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileError("write", path) }
        return (resumed, descriptor)
    }
}
