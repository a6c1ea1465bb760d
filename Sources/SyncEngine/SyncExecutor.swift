public import DriveSyncCore
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import SyncState

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
        public var archivedAs: RemotePath
        public var reason: String
    }

    public var completed: [SyncAction] = []
    public var failures: [Failure] = []
    public var archived: [Archived] = []
    public var uploadedBytes: Int64 = 0
}

/// Carries out a plan against a remote with bounded parallelism, recording each completed file in the
/// state store as it finishes. Replaced and conflicting remote copies are moved aside first, never
/// overwritten. A failed action is reported and does not stop the others.
public struct SyncExecutor: Sendable {
    public struct Options: Sendable {
        /// Transfers at once (rclone's --transfers).
        public var transfers: Int
        /// Where replaced and removed remote copies are kept.
        public var archiveRoot: RemotePath
        /// Removals go to the remote's trash instead of the archive.
        public var removeToTrash: Bool

        public init(transfers: Int = 4, archiveRoot: RemotePath = try! RemotePath("Archive"), removeToTrash: Bool = false) {
            self.transfers = max(1, transfers)
            self.archiveRoot = archiveRoot
            self.removeToTrash = removeToTrash
        }
    }

    public let remote: any Remote
    public let state: StateStore
    public let localRoot: String
    public let options: Options
    let now: @Sendable () -> Date

    public init(remote: any Remote, state: StateStore, localRoot: String, options: Options = .init(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.remote = remote
        self.state = state
        self.localRoot = localRoot
        self.options = options
        self.now = now
    }

    private enum Outcome: Sendable {
        case done(SyncAction, archived: SyncReport.Archived?, bytes: Int64)
        case failed(SyncReport.Failure)
    }

    public func run(_ plan: SyncPlan, local: [LocalItem]) async -> SyncReport {
        let items = Dictionary(local.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var report = SyncReport()
        func absorb(_ outcome: Outcome) {
            switch outcome {
            case .done(let action, let archived, let bytes):
                report.completed.append(action)
                if let archived { report.archived.append(archived) }
                report.uploadedBytes += bytes
            case .failed(let failure):
                report.failures.append(failure)
            }
        }
        // Folders first, in order, so files always have a parent.
        for action in plan.actions {
            if case .makeFolder = action { absorb(await perform(action, items: items)) }
        }
        let transfers = plan.actions.filter { if case .makeFolder = $0 { false } else { true } }
        await withTaskGroup(of: Outcome.self) { group in
            for (index, action) in transfers.enumerated() {
                if index >= options.transfers, let outcome = await group.next() { absorb(outcome) }
                group.addTask { await perform(action, items: items) }
            }
            for await outcome in group { absorb(outcome) }
        }
        return report
    }

    private func localPath(_ path: RemotePath) -> String { localRoot + "/" + path.description }

    private func perform(_ action: SyncAction, items: [RemotePath: LocalItem]) async -> Outcome {
        let path = Self.path(of: action)
        do {
            var archived: SyncReport.Archived?
            var bytes: Int64 = 0
            switch action {
            case .makeFolder:
                _ = try await remote.makeFolder(path)
            case .upload:
                bytes = try await upload(path, items: items)
            case .replace:
                archived = try await moveAside(path, to: ArchiveNaming.archivedPath(for: path, at: now(), archiveRoot: options.archiveRoot), reason: "replaced")
                bytes = try await upload(path, items: items)
            case .resolveConflict:
                archived = try await moveAside(path, to: ArchiveNaming.conflictPath(for: path, at: now()), reason: "conflict")
                bytes = try await upload(path, items: items)
            case .adopt, .refreshState:
                guard let item = items[path], let entry = try await remote.entry(at: path) else { throw RemoteError(.notFound, path) }
                try await record(item, entry)
            case .removeRemote:
                if options.removeToTrash, remote.capabilities.hasTrash {
                    try await remote.remove(path, toTrash: true)
                } else {
                    archived = try await moveAside(path, to: ArchiveNaming.archivedPath(for: path, at: now(), archiveRoot: options.archiveRoot), reason: "deleted locally")
                }
                try await state.forget(path)
            case .forget:
                try await state.forget(path)
            }
            return .done(action, archived: archived, bytes: bytes)
        } catch {
            return .failed(.init(path: path, action: action, message: "\(error)"))
        }
    }

    private func upload(_ path: RemotePath, items: [RemotePath: LocalItem]) async throws -> Int64 {
        guard let item = items[path] else { throw RemoteError(.notFound, path, "not in the local scan") }
        let entry = try await remote.upload(from: localPath(path), to: path, modified: Date(timeIntervalSince1970: Double(item.modified) / 1000))
        try await record(item, entry)
        return entry.size
    }

    private func record(_ item: LocalItem, _ entry: RemoteEntry) async throws {
        try await state.recordSynced(SyncedItem(
            path: item.path,
            size: item.size,
            modified: item.modified,
            md5: item.md5 ?? entry.md5,
            remoteId: entry.id,
            remoteMD5: entry.md5,
            remoteModified: DriveTimestamp.milliseconds(of: entry.modified),
            lastSynced: DriveTimestamp.milliseconds(of: now())
        ))
    }

    private func moveAside(_ path: RemotePath, to destination: RemotePath, reason: String) async throws -> SyncReport.Archived {
        if let parent = destination.parent { _ = try await remote.makeFolder(parent) }
        _ = try await remote.move(path, to: destination)
        return SyncReport.Archived(path: path, archivedAs: destination, reason: reason)
    }

    static func path(of action: SyncAction) -> RemotePath {
        switch action {
        case .makeFolder(let path), .upload(let path, _), .replace(let path), .resolveConflict(let path), .adopt(let path),
            .refreshState(let path), .removeRemote(let path), .forget(let path):
            path
        }
    }
}
