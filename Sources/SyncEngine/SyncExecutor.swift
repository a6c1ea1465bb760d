public import DriveSyncCore
public import SyncState
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What a sync did.
public struct SyncReport: Sendable {
    public struct Failure: Sendable, CustomStringConvertible {
        public var path: RemotePath
        public var action: SyncAction
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// An old remote copy kept aside (archive log material).
    public struct Archived: Sendable, Hashable {
        public var path: RemotePath
        /// The archive path, or `path@revision:ID` for a pinned revision.
        public var archivedAs: String
        public var reason: String
    }

    public var completed: [SyncAction] = []
    public var failures: [Failure] = []
    public var archived: [Archived] = []
    public var uploadedBytes: Int64 = 0
    /// Set when credentials failed: the run stopped starting new actions.
    public var credentialProblem: CredentialProblem?
    /// Planned actions never started or cut short because the run stopped.
    public var notStarted = 0
    /// The run was asked to stop (a signal) or cancelled before it reached the end of the plan.
    public var stopped = false
    /// Bookkeeping that failed without failing a file.
    public var warnings: [String] = []
    /// Uploads left for a later run because the daily upload cap was reached (counted in `notStarted`).
    public var uploadsDeferred = 0
    /// Set when the cap was reached: when uploads can resume.
    public var uploadsResumeAt: Date?
}

/// What a progress display is told while a plan runs.
public enum SyncProgress: Sendable {
    /// Before the first action: how much there is to do.
    case planned(actions: Int, bytes: Int64)
    /// An action ended (`bytes` uploaded).
    case finished(SyncAction, bytes: Int64, failed: Bool)
}

/// Carries out a plan against a remote with bounded parallelism, recording each completed file in the
/// state store as it finishes and each upload attempt in the upload log. Replaced and conflicting remote
/// copies are moved aside first, never overwritten. A failed action is recorded and does not stop the
/// others, except a credential failure, after which nothing new is started.
public struct SyncExecutor: Sendable {
    public struct Options: Sendable {
        /// Transfers at once (rclone's --transfers).
        public var transfers: Int
        /// Where replaced and removed remote copies are kept.
        public var archiveRoot: RemotePath
        /// Removals go to the remote's trash instead of the archive.
        public var removeToTrash: Bool
        /// A replaced copy stays as a pinned revision of the same file (on remotes that keep revisions)
        /// instead of moving to the archive.
        public var keepReplacedAsRevision: Bool
        /// Called as each action ends, for progress displays.
        public var progress: (@Sendable (SyncProgress) -> Void)?
        /// Written into every upload log entry.
        public var tags: [String]
        public var note: String?
        public var logs: SyncLogs
        /// Once requested, no new action starts; those in flight finish.
        public var stop: StopRequest?
        /// The account's uploads of the last 24 hours: no upload starts once it holds the daily cap.
        public var uploadLedger: UploadLedger?

        public init(
            transfers: Int = 4,
            archiveRoot: RemotePath = try! RemotePath("Archive"),
            removeToTrash: Bool = false,
            keepReplacedAsRevision: Bool = false,
            tags: [String] = [],
            note: String? = nil,
            logs: SyncLogs = .init(),
            progress: (@Sendable (SyncProgress) -> Void)? = nil,
            stop: StopRequest? = nil
        ) {
            self.progress = progress
            self.transfers = max(1, transfers)
            self.archiveRoot = archiveRoot
            self.removeToTrash = removeToTrash
            self.keepReplacedAsRevision = keepReplacedAsRevision
            self.tags = tags
            self.note = note
            self.logs = logs
            self.stop = stop
        }
    }

    public let remote: any Remote
    public let state: StateStore
    public let localRoot: String
    public let options: Options
    let now: @Sendable () -> Date

    public init(
        remote: any Remote,
        state: StateStore,
        localRoot: String,
        options: Options = .init(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        // Replaced copies kept as revisions: every upload lands pinned, so replacing it later costs one call.
        if options.keepReplacedAsRevision, let versioned = remote as? any RevisionKeepingRemote {
            self.remote = versioned.pinningUploads()
        } else {
            self.remote = remote
        }
        self.state = state
        self.localRoot = localRoot
        self.options = options
        self.now = now
    }

    private enum Outcome: Sendable {
        case done(SyncAction, archived: SyncReport.Archived?, bytes: Int64)
        /// With what could not be recorded about the failure (the state or the upload log refused it).
        case failed(SyncReport.Failure, CredentialProblem?, unrecorded: [String])
        /// Cancelled in flight: not a failure, nothing recorded.
        case interrupted
        /// An upload not started (or refused) because the daily upload cap was reached.
        case deferred
    }

    /// Once the daily upload cap is reached, no upload starts for the rest of the run; everything else
    /// goes on. The ledger is read once a run and written every 100 uploads or 1 GiB (and at the end):
    /// the run counts its own uploads here.
    final class UploadHold: Sendable {
        private struct State {
            var resumeAt: Int64?
            var bytes: Int64
            var unrecorded: (uploads: Int, bytes: Int64) = (0, 0)
        }
        private let state: Mutex<State>
        init(usedBefore: Int64) { state = Mutex(State(resumeAt: nil, bytes: usedBefore)) }
        var resumesAt: Int64? { state.withLock { $0.resumeAt } }
        /// Bytes uploaded in the last 24 hours as far as this run knows.
        var used: Int64 { state.withLock { $0.bytes } }
        func hold(until time: Int64) { state.withLock { $0.resumeAt = max($0.resumeAt ?? time, time) } }

        /// Counts an upload; returns the bytes to write to the ledger now, if it is time.
        func uploaded(_ bytes: Int64) -> Int64? {
            state.withLock { state in
                state.bytes += bytes
                state.unrecorded.uploads += 1
                state.unrecorded.bytes += bytes
                guard state.unrecorded.uploads >= 100 || state.unrecorded.bytes >= 1 << 30 else { return nil }
                defer { state.unrecorded = (0, 0) }
                return state.unrecorded.bytes
            }
        }

        /// What is left to write to the ledger at the end of the run.
        func takeUnrecorded() -> Int64 {
            state.withLock { state in
                defer { state.unrecorded = (0, 0) }
                return state.unrecorded.bytes
            }
        }
    }

    public func run(_ plan: SyncPlan, local: [LocalItem]) async -> SyncReport {
        let items = Dictionary(local.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        if let progress = options.progress {
            let bytes = plan.actions.reduce(Int64(0)) { total, action in
                Self.isUpload(action) ? total + (items[Self.path(of: action)]?.size ?? 0) : total
            }
            progress(.planned(actions: plan.actions.count, bytes: bytes))
        }
        var report = SyncReport()
        // Attempts of earlier failed runs, read once for the whole plan rather than once per upload.
        var earlierFailures: [FailedUpload] = []
        do {
            earlierFailures = try await state.failures.failedUploads()
        } catch {
            report.warnings.append("earlier failed attempts could not be read (\(error)); this run counts from one")
        }
        let earlierAttempts = Dictionary(earlierFailures.map { ($0.path, $0.attempts) }, uniquingKeysWith: max)
        func absorb(_ outcome: Outcome) {
            switch outcome {
            case .done(let action, let archived, let bytes):
                report.completed.append(action)
                if let archived { report.archived.append(archived) }
                report.uploadedBytes += bytes
            case .failed(let failure, let problem, let unrecorded):
                report.failures.append(failure)
                report.credentialProblem = report.credentialProblem ?? problem
                report.warnings += unrecorded
            case .interrupted:
                report.stopped = true
            case .deferred:
                report.uploadsDeferred += 1
            }
        }
        let hold = UploadHold(
            usedBefore: (try? await options.uploadLedger?.usage(at: DriveTimestamp.milliseconds(of: now()))) ?? 0
        )
        func keepStarting() -> Bool {
            guard report.credentialProblem == nil else { return false }
            if Task.isCancelled || options.stop?.isRequested == true { report.stopped = true }
            return !report.stopped
        }
        // Folders first, parents before children, so files always have a parent; emptied folders last,
        // children before parents.
        var folders: [SyncAction] = []
        var transfers: [SyncAction] = []
        var folderRemovals: [SyncAction] = []
        for action in plan.actions {
            switch action {
            case .makeFolder, .adoptFolder: folders.append(action)
            case .removeRemoteFolder: folderRemovals.insert(action, at: 0)
            default: transfers.append(action)
            }
        }
        for action in folders {
            guard keepStarting() else { break }
            absorb(await perform(action, items: items, earlierAttempts: earlierAttempts, hold: hold))
        }
        await forEachConcurrently(transfers, limit: options.transfers, while: keepStarting) { action in
            await perform(action, items: items, earlierAttempts: earlierAttempts, hold: hold)
        } absorb: {
            absorb($0)
        }
        for action in folderRemovals {
            guard keepStarting() else { break }
            absorb(await perform(action, items: items, earlierAttempts: earlierAttempts, hold: hold))
        }
        report.uploadsResumeAt = hold.resumesAt.map { Date(timeIntervalSince1970: Double($0) / 1000) }
        await recordInLedger(hold.takeUnrecorded())
        report.notStarted = plan.actions.count - report.completed.count - report.failures.count
        // A run that ran to its end needs no create intents but those of failed files (whose creates may
        // have landed); a stopped or killed run leaves them all for the next one.
        if !report.stopped && !Task.isCancelled {
            do {
                try await state.intents.clearIntents(except: Set(report.failures.map(\.path)))
            } catch {
                report.warnings.append("create intents were kept (\(error)); the next run checks them again")
            }
        }
        return report
    }

    private func localPath(_ path: RemotePath) -> String { localRoot + "/" + path.description }

    private func timestamp() -> String { DriveTimestamp.format(now()) }

    private func perform(
        _ action: SyncAction,
        items: [RemotePath: LocalItem],
        earlierAttempts: [RemotePath: Int],
        hold: UploadHold
    ) async -> Outcome {
        let path = Self.path(of: action)
        if Self.isUpload(action), await isHeld(hold) { return .deferred }
        do {
            var archived: SyncReport.Archived?
            var bytes: Int64 = 0
            switch action {
            case .makeFolder, .adoptFolder:
                let folder = try await remote.makeFolder(path)
                try await state.items.recordSynced(
                    SyncedItem(
                        path: path,
                        kind: .folder,
                        size: 0,
                        modified: 0,
                        md5: nil,
                        remoteID: folder.id,
                        remoteMD5: nil,
                        remoteModified: DriveTimestamp.milliseconds(of: folder.modified),
                        lastSynced: DriveTimestamp.milliseconds(of: now())
                    )
                )
            case .upload:
                bytes = try await upload(
                    path,
                    items: items,
                    earlierAttempts: earlierAttempts[path] ?? 0,
                    expecting: .absent
                )
            case .replace:
                if options.keepReplacedAsRevision, let versioned = remote as? any RevisionKeepingRemote {
                    archived = try await pinRevision(path, on: versioned)
                    bytes = try await upload(
                        path,
                        items: items,
                        earlierAttempts: earlierAttempts[path] ?? 0,
                        expecting: .unknown
                    )  // a new revision of the same file
                } else {
                    archived = try await moveAside(
                        path,
                        to: ArchiveNaming.archivedPath(for: path, at: now(), archiveRoot: options.archiveRoot),
                        reason: "replaced"
                    )
                    bytes = try await upload(
                        path,
                        items: items,
                        earlierAttempts: earlierAttempts[path] ?? 0,
                        expecting: .absent
                    )
                }
            case .resolveConflict:
                archived = try await moveAside(
                    path,
                    to: ArchiveNaming.conflictPath(for: path, at: now()),
                    reason: "conflict"
                )
                bytes = try await upload(
                    path,
                    items: items,
                    earlierAttempts: earlierAttempts[path] ?? 0,
                    expecting: .absent
                )
            case .adopt, .refreshState:
                guard let item = items[path], let entry = try await remote.entry(at: path) else {
                    throw RemoteError(.notFound, path)
                }
                try await record(item, entry)
                if case .adopt = action {
                    try await logUpload(
                        item,
                        status: .skipped,
                        attempts: 0,
                        entry: entry,
                        note: "the remote already holds this content"
                    )
                }
            case .removeRemote:
                if options.removeToTrash, remote.capabilities.hasTrash {
                    try await remote.remove(path, toTrash: true)
                } else {
                    archived = try await moveAside(
                        path,
                        to: ArchiveNaming.archivedPath(for: path, at: now(), archiveRoot: options.archiveRoot),
                        reason: "deleted locally"
                    )
                }
                try await state.items.forget(path)
            case .removeRemoteFolder:
                // Its files went to the archive or trash one by one; anything else in it keeps it alive.
                if try await remote.list(path).isEmpty {
                    try await remote.remove(path, toTrash: remote.capabilities.hasTrash)
                    try await state.items.forget(path)
                } else {
                    throw RemoteError(.io, path, "the remote folder is not empty; it was kept")
                }
            case .forget:
                try await state.items.forget(path)
            }
            options.progress?(.finished(action, bytes: bytes, failed: false))
            if bytes > 0, let due = hold.uploaded(bytes) { await recordInLedger(due) }
            return .done(action, archived: archived, bytes: bytes)
        } catch {
            // Cancellation is not a failure: no attempt is counted and the next run does the action again.
            if Task.isCancelled || isCancellation(error) { return .interrupted }
            if isUploadCap(error) {
                let now = DriveTimestamp.milliseconds(of: now())
                let resume = try? await options.uploadLedger?.resumeAfterRefusal(at: now)
                hold.hold(until: resume ?? now + UploadLedger.window)
                return .deferred
            }
            options.progress?(.finished(action, bytes: 0, failed: true))
            let problem = (error as? any CredentialAwareError)?.credentialProblem
            var unrecorded: [String] = []
            if Self.isUpload(action), let item = items[path] {
                var attempts = 1
                do {
                    attempts = try await state.failures.recordFailure(
                        path,
                        error: "\(error)",
                        at: DriveTimestamp.milliseconds(of: now()),
                        tags: options.tags,
                        note: options.note
                    )
                } catch let recording {
                    unrecorded.append("the failure of \(path) was not recorded for retry (\(recording))")
                }
                do {
                    try await logUpload(
                        item,
                        status: .init(failureWith: problem),
                        attempts: attempts,
                        entry: nil,
                        error: "\(error)"
                    )
                } catch let logging {
                    unrecorded.append("the upload log did not take the failure of \(path) (\(logging))")
                }
            }
            return .failed(.init(path: path, action: action, message: "\(error)"), problem, unrecorded: unrecorded)
        }
    }

    /// The ledger is an estimate kept for the next runs: failing to write it fails no file.
    private func recordInLedger(_ bytes: Int64) async {
        try? await options.uploadLedger?.record(bytes: bytes, at: DriveTimestamp.milliseconds(of: now()))
    }

    /// Whether uploads are held for the rest of the run: the ledger is asked when it resumes only once
    /// the run's count reaches the limit.
    private func isHeld(_ hold: UploadHold) async -> Bool {
        if hold.resumesAt != nil { return true }
        guard let ledger = options.uploadLedger, hold.used >= ledger.limit,
            let until = try? await ledger.blockedUntil(at: DriveTimestamp.milliseconds(of: now()))
        else { return false }
        hold.hold(until: until)
        return true
    }

    private static func isUpload(_ action: SyncAction) -> Bool {
        switch action {
        case .upload, .replace, .resolveConflict: true
        default: false
        }
    }

    /// Uploads a planned file; `expecting` is what the plan saw at its path.
    private func upload(
        _ path: RemotePath,
        items: [RemotePath: LocalItem],
        earlierAttempts: Int,
        expecting: UploadExpectation
    ) async throws -> Int64 {
        guard let item = items[path] else { throw RemoteError(.notFound, path, "not in the local scan") }
        let modified = Date(timeIntervalSince1970: Double(item.modified) / 1000)
        let entry = try await remote.upload(from: localPath(path), to: path, modified: modified, expecting: expecting)
        try await record(item, entry)
        try await logUpload(item, status: .success, attempts: earlierAttempts + 1, entry: entry)
        return entry.size
    }

    private func logUpload(
        _ item: LocalItem,
        status: UploadLogEntry.Status,
        attempts: Int,
        entry: RemoteEntry?,
        note: String? = nil,
        error: String? = nil
    ) async throws {
        try await options.logs.uploads?.append(
            UploadLogEntry(
                timestamp: timestamp(),
                file: localPath(item.path),
                status: status,
                attempts: attempts,
                tags: options.tags,
                note: [options.note, note].compactMap { $0 }.joined(separator: "; ").nilIfEmpty,
                remote_path: item.path.description,
                remote_id: entry?.id,
                bytes: entry?.size ?? 0,
                md5: entry?.md5 ?? item.md5,
                error: error
            )
        )
    }

    private func record(_ item: LocalItem, _ entry: RemoteEntry) async throws {
        try await state.items.recordSynced(
            SyncedItem(
                path: item.path,
                size: item.size,
                modified: item.modified,
                md5: item.md5 ?? entry.md5,
                remoteID: entry.id,
                remoteMD5: entry.md5,
                remoteModified: DriveTimestamp.milliseconds(of: entry.modified),
                headRevision: entry.revision,
                headKept: entry.revisionKept,
                lastSynced: DriveTimestamp.milliseconds(of: now())
            )
        )
    }

    /// Moves a remote copy aside (numbering the name when two land in the same second) and logs it.
    private func moveAside(
        _ path: RemotePath,
        to destination: RemotePath,
        reason: String
    ) async throws -> SyncReport.Archived {
        if let parent = destination.parent { _ = try await remote.makeFolder(parent) }
        var target = destination
        var moved: RemoteEntry?
        for number in 2...100 where moved == nil {
            do {
                moved = try await remote.move(path, to: target)
            } catch let error as RemoteError where error.code == .alreadyExists {
                target = try ArchiveNaming.numbered(destination, number)
            }
        }
        guard let moved else { throw RemoteError(.alreadyExists, destination, "no free archive name") }
        try await options.logs.archives?.append(
            ArchiveLogEntry(
                timestamp: timestamp(),
                file: path.description,
                archived_as: target.description,
                input_hash: moved.md5,
                reason: reason
            )
        )
        return SyncReport.Archived(path: path, archivedAs: target.description, reason: reason)
    }

    /// Keeps the current remote content as a pinned revision of the same file, which the upload then
    /// replaces in place.
    private func pinRevision(
        _ path: RemotePath,
        on remote: any RevisionKeepingRemote
    ) async throws -> SyncReport.Archived {
        let revision = try await remote.pinCurrentRevision(of: path)
        let archivedAs = "\(path)@revision:\(revision.id)"
        try await options.logs.archives?.append(
            ArchiveLogEntry(
                timestamp: timestamp(),
                file: path.description,
                archived_as: archivedAs,
                input_hash: revision.md5,
                reason: "replaced"
            )
        )
        return SyncReport.Archived(path: path, archivedAs: archivedAs, reason: "replaced (pinned revision)")
    }

    static func path(of action: SyncAction) -> RemotePath {
        switch action {
        case .makeFolder(let path), .upload(let path, _), .replace(let path), .resolveConflict(let path),
            .adopt(let path),
            .refreshState(let path), .removeRemote(let path), .removeRemoteFolder(let path), .adoptFolder(let path),
            .forget(let path):
            path
        }
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
