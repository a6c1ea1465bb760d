public import DriveSyncCore
public import SyncState

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A local file or folder as the scanner found it.
public struct LocalItem: Hashable, Sendable {
    public var path: RemotePath
    public var kind: RemoteEntry.Kind
    public var size: Int64
    /// Modification time in milliseconds since the epoch.
    public var modified: Int64
    /// Lower-case hex MD5, when it was computed.
    public var md5: String?

    public init(path: RemotePath, kind: RemoteEntry.Kind, size: Int64 = 0, modified: Int64 = 0, md5: String? = nil) {
        self.path = path
        self.kind = kind
        self.size = size
        self.modified = modified
        self.md5 = md5
    }
}

/// One step of a sync, local folder to remote.
public enum SyncAction: Hashable, Sendable {
    public enum UploadReason: String, Hashable, Sendable {
        /// Nothing was at the remote path.
        case new
        /// The remote copy was deleted since the last sync; the local file puts it back.
        case restore
    }

    case makeFolder(RemotePath)
    case upload(RemotePath, reason: UploadReason)
    /// The local file changed: the remote copy is archived first, never overwritten blindly.
    case replace(RemotePath)
    /// Both sides changed since the last sync: the remote copy is kept under a conflict name, then the
    /// local file is uploaded.
    case resolveConflict(RemotePath)
    /// The remote already holds this exact content: record it without uploading.
    case adopt(RemotePath)
    /// Only metadata (time) changed locally; the content is the same: refresh the state only.
    case refreshState(RemotePath)
    /// The local file is gone (with `--delete`): move the remote copy to the trash or archive.
    case removeRemote(RemotePath)
    /// The local folder is gone (with `--delete`) and everything below it on the remote is being removed
    /// too: remove the emptied folder.
    case removeRemoteFolder(RemotePath)
    /// A remote folder matching a local one that the state did not know yet: record it.
    case adoptFolder(RemotePath)
    /// Neither side has it any more: drop the state row.
    case forget(RemotePath)
}

/// Why nothing was done for a path, for reports.
public enum SyncNotice: Hashable, Sendable {
    /// The remote copy changed and the local one did not: left as it is.
    case remoteChangedOnly(RemotePath)
    /// The local file is gone but `--delete` was not given.
    case deletionNotMirrored(RemotePath)
    /// A file on one side is a folder on the other.
    case kindMismatch(RemotePath)
}

/// The outcome of planning.
public struct SyncPlan: Hashable, Sendable {
    public var actions: [SyncAction]
    public var notices: [SyncNotice]

    public var isEmpty: Bool { actions.isEmpty }
}

/// Turns what is on each side, and what the last sync recorded, into a list of actions. Pure: no I/O,
/// so every rule is a table test.
public struct SyncPlanner: Sendable {
    public struct Options: Sendable, Hashable {
        /// Mirror local deletions to the remote.
        public var delete: Bool
        /// Refuse to plan more removals than this.
        public var maxDelete: Int?
        /// Refuse to remove more than this fraction (0...1) of the remote files.
        public var maxDeleteFraction: Double?
        /// Compare content hashes even when size and time match.
        public var alwaysChecksum: Bool
        /// Times closer than this are equal (the coarser of the two sides' precision).
        public var timeTolerance: Int64
        /// Upload files that look unchanged too (the remote copy is still kept aside first).
        public var force: Bool

        public init(
            delete: Bool = false,
            maxDelete: Int? = nil,
            maxDeleteFraction: Double? = nil,
            alwaysChecksum: Bool = false,
            force: Bool = false,
            timeTolerance: Int64 = 1
        ) {
            self.force = force
            self.delete = delete
            self.maxDelete = maxDelete
            self.maxDeleteFraction = maxDeleteFraction
            self.alwaysChecksum = alwaysChecksum
            self.timeTolerance = timeTolerance
        }
    }

    /// Raised instead of a plan that would remove more than the limits allow.
    public struct TooManyDeletions: UserFacingError, Hashable {
        public var planned: Int
        public var limit: String
        public var description: String {
            "refusing to remove \(planned) remote files (limit \(limit)); check the source folder, or raise --max-delete"
        }
    }

    public var options: Options

    public init(options: Options = .init()) { self.options = options }

    private func sameTime(_ a: Int64, _ b: Int64) -> Bool { abs(a - b) <= options.timeTolerance }

    private func localChanged(_ local: LocalItem, _ synced: SyncedItem) -> Bool {
        local.size != synced.size || !sameTime(local.modified, synced.modified)
    }

    private func remoteChanged(_ remote: RemoteEntry, _ synced: SyncedItem) -> Bool {
        if let id = synced.remoteID, let remoteID = remote.id, id != remoteID { return true }
        if let md5 = synced.remoteMD5, let remoteMD5 = remote.md5 { return md5 != remoteMD5 }
        if let modified = synced.remoteModified {
            return !sameTime(DriveTimestamp.milliseconds(of: remote.modified), modified)
        }
        return false
    }

    /// Local files whose MD5 the plan needs: those whose size and time changed since the last sync (was
    /// it only a touch?), those facing an unknown remote file of the same size (is it already there?),
    /// and every file with `alwaysChecksum`.
    public func hashesNeeded(
        local: [LocalItem],
        state: [SyncedItem],
        remote: [RemoteEntry],
        intents: [RemotePath: String] = [:]
    ) -> Set<RemotePath> {
        let joined = PathJoin(local: local, state: state, remote: remote)
        var needed: Set<RemotePath> = []
        for row in joined.rows {
            guard let item = row.local.map({ joined.local[$0] }), item.kind == .file, item.md5 == nil else { continue }
            if options.alwaysChecksum || intents[item.path] != nil {
                needed.insert(item.path)
            } else if let record = row.synced.map({ joined.state[$0] }) {
                if localChanged(item, record), item.size == record.size, record.md5 != nil { needed.insert(item.path) }
            } else if let other = row.remote.map({ joined.remote[$0] }), other.kind == .file, other.size == item.size,
                other.md5 != nil
            {
                needed.insert(item.path)
            }
        }
        return needed
    }

    /// Remote folders that a mirrored deletion empties: recorded, gone locally, and holding only entries
    /// that are themselves removed. A folder holding anything DriveSync did not put there stays.
    private func removableFolders(_ joined: PathJoin) -> Set<RemotePath> {
        // Only a path recorded and gone locally can go: most runs have none.
        guard joined.rows.contains(where: { $0.local == nil && $0.synced != nil }) else { return [] }
        var blocked: Set<RemotePath> = []
        for row in joined.rows where row.remote != nil && (row.local != nil || row.synced == nil) {
            // This entry stays: none of its ancestors can go.
            var ancestor = row.path.parent
            while let folder = ancestor, !folder.isRoot, blocked.insert(folder).inserted { ancestor = folder.parent }
        }
        return Set(
            joined.rows.filter { row in
                guard let remote = row.remote else { return false }
                return joined.remote[remote].isFolder && row.local == nil && row.synced != nil
                    && !blocked.contains(row.path)
            }.map(\.path)
        )
    }

    /// Plans a sync of `local` onto `remote`, given what the last sync recorded in `state`.
    /// - Parameters:
    ///   - scanComplete: false when the scan or listing was partial: nothing is removed then.
    ///   - intents: creates a killed run left unrecorded (path to the ID it used): a remote file with that
    ///     ID is the sync's own, not someone else's change.
    public func plan(
        local: [LocalItem],
        state: [SyncedItem],
        remote: [RemoteEntry],
        scanComplete: Bool = true,
        intents: [RemotePath: String] = [:]
    ) throws -> SyncPlan {
        let joined = PathJoin(local: local, state: state, remote: remote)
        var actions: [SyncAction] = []
        var notices: [SyncNotice] = []
        var removals = 0
        let removable = options.delete && scanComplete ? removableFolders(joined) : []

        for row in joined.rows where !row.path.isRoot {
            let path = row.path
            let item = row.local.map { joined.local[$0] }
            let record = row.synced.map { joined.state[$0] }
            let other = row.remote.map { joined.remote[$0] }
            switch (item, other) {
            case (let item?, let other?) where item.kind != other.kind:
                notices.append(.kindMismatch(path))
            case (let item?, _) where item.kind == .folder:
                if other == nil {
                    actions.append(.makeFolder(path))
                } else if record == nil || record?.remoteID != other?.id {
                    actions.append(.adoptFolder(path))
                }
            case (_?, nil):
                actions.append(.upload(path, reason: record == nil ? .new : .restore))
            case (let item?, let other?) where other.id != nil && other.id == intents[path]:
                // Created by a run killed before recording it: ours, whatever the state says.
                actions.append(item.md5 != nil && item.md5 == other.md5 ? .adopt(path) : .replace(path))
            case (let item?, let other?):
                if let record {
                    let contentSame = item.md5 != nil && item.md5 == record.md5
                    let changedHere = localChanged(item, record) && !contentSame
                    let changedThere = remoteChanged(other, record)
                    switch (changedHere, changedThere) {
                    case (false, false):
                        if options.force {
                            actions.append(.replace(path))
                        } else if localChanged(item, record) {
                            actions.append(.refreshState(path))  // touched: same content, new time
                        } else if options.alwaysChecksum, let md5 = item.md5, let remoteMD5 = other.md5,
                            md5 != remoteMD5
                        {
                            actions.append(.replace(path))  // the checksum saw what size and time missed
                        }
                    case (true, false): actions.append(.replace(path))
                    case (false, true): notices.append(.remoteChangedOnly(path))
                    case (true, true): actions.append(.resolveConflict(path))
                    }
                } else if let md5 = item.md5, md5 == other.md5 {
                    actions.append(.adopt(path))
                } else {
                    // Something we never synced is in the way: keep it under a conflict name.
                    actions.append(.resolveConflict(path))
                }
            case (nil, let other?):
                // Only what an earlier sync put there is ours to remove; other remote files are left alone.
                guard record != nil else { continue }
                if !(options.delete && scanComplete) {
                    if other.kind == .file { notices.append(.deletionNotMirrored(path)) }
                } else if other.kind == .file {
                    actions.append(.removeRemote(path))
                    removals += 1
                } else if removable.contains(path) {
                    actions.append(.removeRemoteFolder(path))
                }
            case (nil, nil):
                if record != nil { actions.append(.forget(path)) }
            }
        }

        if let limit = options.maxDelete, removals > limit {
            throw TooManyDeletions(planned: removals, limit: String(limit))
        }
        if let fraction = options.maxDeleteFraction {
            let files = remote.filter { $0.kind == .file }.count
            if files > 0, Double(removals) / Double(files) > fraction {
                throw TooManyDeletions(planned: removals, limit: "\(Int(fraction * 100))% of \(files) files")
            }
        }
        return SyncPlan(actions: actions, notices: notices)
    }
}

extension SyncAction: CustomStringConvertible {
    public var description: String {
        switch self {
        case .makeFolder(let path): "make folder \(path)"
        case .adoptFolder(let path): "record folder \(path)"
        case .upload(let path, .new): "upload \(path)"
        case .upload(let path, .restore): "upload \(path) (deleted on the remote)"
        case .replace(let path): "replace \(path) (the remote copy is archived first)"
        case .resolveConflict(let path):
            "upload \(path) (changed on both sides: the remote copy is kept under a conflict name)"
        case .adopt(let path): "record \(path) (already on the remote)"
        case .refreshState(let path): "refresh \(path) (only its time changed)"
        case .removeRemote(let path): "remove \(path) (deleted locally)"
        case .removeRemoteFolder(let path): "remove folder \(path) (deleted locally)"
        case .forget(let path): "forget \(path) (gone on both sides)"
        }
    }
}

extension SyncNotice: CustomStringConvertible {
    public var description: String {
        switch self {
        case .remoteChangedOnly(let path): "\(path) changed on the remote only; left as it is"
        case .deletionNotMirrored(let path):
            "\(path) was deleted locally; the remote copy stays (use --delete to mirror deletions)"
        case .kindMismatch(let path): "\(path) is a file on one side and a folder on the other; left alone"
        }
    }
}

/// What the planner lines up by path.
protocol PathKeyed { var path: RemotePath { get } }
extension LocalItem: PathKeyed {}
extension SyncedItem: PathKeyed {}
extension RemoteEntry: PathKeyed {}

/// The three sides lined up by path: each path once, in path order, with where each side holds it (the
/// first of any duplicates). A merge of the sides sorted by path, so a run of tens of thousands of
/// unchanged files costs comparisons, not dictionaries.
struct PathJoin {
    struct Row {
        var path: RemotePath
        var local: Int?
        var synced: Int?
        var remote: Int?
    }

    let local: [LocalItem]
    let state: [SyncedItem]
    let remote: [RemoteEntry]
    private(set) var rows: [Row] = []

    init(local: [LocalItem], state: [SyncedItem], remote: [RemoteEntry]) {
        self.local = Self.sortedByPath(local)
        self.state = Self.sortedByPath(state)
        self.remote = Self.sortedByPath(remote)
        rows.reserveCapacity(max(local.count, state.count, remote.count))
        var next = (local: 0, synced: 0, remote: 0)
        while true {
            var smallest = Self.head(of: self.local, at: next.local)
            Self.keepSmaller(&smallest, Self.head(of: self.state, at: next.synced))
            Self.keepSmaller(&smallest, Self.head(of: self.remote, at: next.remote))
            guard let path = smallest else { break }
            rows.append(
                Row(
                    path: path,
                    local: Self.take(path, from: self.local, at: &next.local),
                    synced: Self.take(path, from: self.state, at: &next.synced),
                    remote: Self.take(path, from: self.remote, at: &next.remote)
                )
            )
        }
    }

    private static func head(of items: [some PathKeyed], at index: Int) -> RemotePath? {
        index < items.count ? items[index].path : nil
    }

    private static func keepSmaller(_ smallest: inout RemotePath?, _ candidate: RemotePath?) {
        guard let candidate else { return }
        if let current = smallest, RemotePath.order(current, candidate) <= 0 { return }
        smallest = candidate
    }

    /// The position of `path` in `items` when it is next, stepping past it and any duplicates.
    private static func take(_ path: RemotePath, from items: [some PathKeyed], at index: inout Int) -> Int? {
        guard index < items.count, RemotePath.order(items[index].path, path) == 0 else { return nil }
        let found = index
        repeat { index += 1 } while index < items.count && RemotePath.order(items[index].path, path) == 0
        return found
    }

    /// Sides usually arrive sorted (scans and listings are); the sort is stable, so the first of
    /// duplicates stays first.
    private static func sortedByPath<Item: PathKeyed>(_ items: [Item]) -> [Item] {
        let sorted = zip(items, items.dropFirst()).allSatisfy { RemotePath.order($0.path, $1.path) <= 0 }
        return sorted ? items : items.sorted { RemotePath.order($0.path, $1.path) < 0 }
    }
}
