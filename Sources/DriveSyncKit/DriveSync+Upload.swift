import DriveSyncCore
import Foundation
import LocalFiles
public import SyncEngine
import SyncState

extension DriveSync {
    /// What became of one file handed to `upload(file:root:to:)`.
    public struct UploadResult: Sendable, Hashable {
        public var status: UploadLogEntry.Status
        /// Attempts for this file so far, counting earlier failed ones.
        public var attempts: Int
        /// Where the file is on the remote (`drive:MemoryVDB/notes/a.md`).
        public var remotePath: String
        public var remoteID: String?
        /// What the user should know: a copy kept aside, a remote change left alone.
        public var notes: [String]
        public var error: String?
    }

    /// Uploads one local file to its mirrored path below `destination` — the path it has below `root`
    /// — with the engine's rules: the pair's lock and state, the old remote copy kept aside, a conflict
    /// copy when the remote changed too, every attempt in the upload log. An unchanged file is
    /// `skipped` unless `force`. For applications that save a file and want it on Drive at once.
    ///
    /// ```
    /// let result = try await DriveSync().upload(file: "Data/memory/a.json", root: "Data", to: .drive(account: nil, path: try RemotePath("MemoryVDB")), tags: ["memory"])
    /// ```
    public func upload(
        file: String,
        root: String,
        to destination: Location,
        tags: [String] = [],
        note: String? = nil,
        force: Bool = false
    ) async throws -> UploadResult {
        let rootPath = URL(fileURLWithPath: root).standardizedFileURL.path
        let filePath = URL(fileURLWithPath: file).standardizedFileURL.path
        guard filePath.hasPrefix(rootPath + "/") else {
            throw DriveSyncError(.overlap, "\(file) is not inside \(root); give a file below the mirrored folder")
        }
        let path: RemotePath
        do { path = try RemotePath(String(filePath.dropFirst(rootPath.count + 1))) } catch {
            throw DriveSyncError(.invalidArgument, "\(error)")
        }
        let found = try await offload { () throws -> (size: Int64, modified: Date, md5: String)? in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: filePath),
                attributes[.type] as? FileAttributeType == .typeRegular
            else { return nil }
            return (
                (attributes[.size] as? NSNumber)?.int64Value ?? 0,
                attributes[.modificationDate] as? Date ?? Date(),
                try FileDigest.md5(ofFile: filePath)
            )
        }
        guard let found else { throw DriveSyncError(.wrongKind, "\(file) is not a readable file") }
        let remotePath = "\(destination)/\(path)"
        let item = LocalItem(
            path: path,
            kind: .file,
            size: found.size,
            modified: DriveTimestamp.milliseconds(of: found.modified),
            md5: found.md5
        )
        let executorOptions = SyncExecutor.Options(
            transfers: 1,
            archiveRoot: configuration.archiveFolder,
            removeToTrash: configuration.removals == .trash,
            keepReplacedAsRevision: configuration.replaced == .revision,
            tags: tags,
            note: note,
            logs: logs
        )
        let logs = self.logs
        do {
            return try await withPair(source: rootPath, destination: destination) { state in
                try await withRemote(destination, create: true, state: state) { remote in
                    let record = try await state.items.syncedItem(at: path)
                    let existing = try await remote.entry(at: path)
                    let planner = SyncPlanner(options: .init(force: force))
                    let plan = try planner.plan(
                        local: [item],
                        state: record.map { [$0] } ?? [],
                        remote: existing.map { [$0] } ?? [],
                        scanComplete: false
                    )
                    var notes = plan.notices.map { "\($0)" }
                    if plan.isEmpty || plan.actions.allSatisfy({ if case .refreshState = $0 { true } else { false } }) {
                        _ = await SyncExecutor(
                            remote: remote,
                            state: state,
                            localRoot: rootPath,
                            options: executorOptions
                        ).run(plan, local: [item])
                        let attempts = try await state.failures.failedAttempts(path)
                        try await logs.uploads?.append(
                            UploadLogEntry(
                                timestamp: DriveTimestamp.format(Date()),
                                file: filePath,
                                status: .skipped,
                                attempts: attempts,
                                tags: tags,
                                note: note,
                                remote_path: path.description,
                                remote_id: existing?.id,
                                bytes: 0,
                                md5: item.md5,
                                error: nil
                            )
                        )
                        notes.append(plan.notices.isEmpty ? "unchanged since the last upload" : "not uploaded")
                        return UploadResult(
                            status: .skipped,
                            attempts: attempts,
                            remotePath: remotePath,
                            remoteID: existing?.id,
                            notes: notes
                        )
                    }
                    let earlierAttempts = try await state.failures.failedAttempts(path)
                    let report = await SyncExecutor(
                        remote: remote,
                        state: state,
                        localRoot: rootPath,
                        options: executorOptions
                    ).run(plan, local: [item])
                    if report.stopped { throw CancellationError() }  // cut short, not failed: nothing was recorded
                    notes += report.archived.map { "kept the previous remote copy as \($0.archivedAs) (\($0.reason))" }
                    if let failure = report.failures.first {
                        return UploadResult(
                            status: .init(failureWith: report.credentialProblem),
                            attempts: try await state.failures.failedAttempts(path),
                            remotePath: remotePath,
                            remoteID: nil,
                            notes: notes,
                            error: failure.message
                        )
                    }
                    if case .adopt = plan.actions.first { notes.append("the remote already held this content") }
                    let synced = try await state.items.syncedItem(at: path)
                    let status: UploadLogEntry.Status =
                        if case .adopt = plan.actions.first { .skipped } else { .success }
                    return UploadResult(
                        status: status,
                        attempts: earlierAttempts + 1,
                        remotePath: remotePath,
                        remoteID: synced?.remoteID,
                        notes: notes
                    )
                }
            }
        } catch {
            if let status = await logCredentialFailure(
                error,
                file: filePath,
                destination: destination,
                tags: tags,
                note: note
            ) {
                return UploadResult(
                    status: status,
                    attempts: 0,
                    remotePath: remotePath,
                    remoteID: nil,
                    notes: [],
                    error: "\(error)"
                )
            }
            throw error
        }
    }
}
