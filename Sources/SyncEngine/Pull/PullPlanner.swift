public import DriveSyncCore
public import SyncState

/// What is in the way of something a pull writes.
public enum LocalReplacement: Hashable, Sendable {
    /// Nothing.
    case nothing
    /// What an earlier pull wrote, untouched since: replaced (Drive keeps the old content as a revision).
    case ours
    /// Local edits, or something DriveSync did not write: moved to the trash first, never lost.
    case keptAside
}

/// One step of a pull.
public enum PullAction: Hashable, Sendable {
    case makeFolder(RemotePath, replacing: LocalReplacement)
    case download(PullTarget, replacing: LocalReplacement)
    /// A file an earlier pull wrote moved or was renamed on Drive: renamed locally, nothing fetched.
    case move(from: RemotePath, to: PullTarget)
    /// The local file already matches (size and modification time): recorded, not fetched.
    case adopt(PullTarget)
    /// Gone from Drive (or never there) and `--delete` asked: moved to the trash.
    case trash(RemotePath)
    /// A record whose path is no longer pulled.
    case forget(RemotePath)

    public var path: RemotePath {
        switch self {
        case .makeFolder(let path, _), .trash(let path), .forget(let path): path
        case .download(let target, _), .adopt(let target), .move(_, let target): target.path
        }
    }
}

/// Plans a pull from the laid-out targets, the local folder's scan and what earlier pulls recorded.
/// Pure and table-tested.
public enum PullPlanner {
    public static func plan(
        targets: [PullTarget],
        local: [LocalItem],
        state: [SyncedItem],
        delete: Bool
    ) -> [PullAction] {
        let localByPath = Dictionary(local.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let recordByPath = Dictionary(state.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let recordsByID = Dictionary(grouping: state.filter { $0.remoteID != nil }, by: { $0.remoteID! })
        let targetPaths = Set(targets.map(\.path))
        var folders: [PullAction] = []
        var moves: [PullAction] = []
        var transfers: [PullAction] = []
        var moved: Set<RemotePath> = []

        for target in targets {
            let existing = localByPath[target.path]
            let record = recordByPath[target.path]
            if target.content == .folder {
                switch existing?.kind {
                case .folder: break
                case .file: folders.append(.makeFolder(target.path, replacing: .keptAside))
                case nil: folders.append(.makeFolder(target.path, replacing: .nothing))
                }
                continue
            }
            guard let existing else {
                // Moved on Drive: the file an earlier pull wrote elsewhere is renamed instead of fetched.
                let source = recordsByID[target.sourceID]?.first { record in
                    !targetPaths.contains(record.path) && !moved.contains(record.path)
                        && holdsContent(record, of: target)
                        && localByPath[record.path].map { untouched($0, record) } == true
                }
                if let source {
                    moved.insert(source.path)
                    moves.append(.move(from: source.path, to: target))
                } else {
                    transfers.append(.download(target, replacing: .nothing))
                }
                continue
            }
            if existing.kind == .folder {
                transfers.append(.download(target, replacing: .keptAside))
            } else if let record, untouched(existing, record) {
                if !holdsContent(record, of: target) { transfers.append(.download(target, replacing: .ours)) }
            } else if record == nil, target.content == .file, existing.size == target.size,
                existing.modified == target.modified
            {
                transfers.append(.adopt(target))
            } else {
                transfers.append(.download(target, replacing: .keptAside))
            }
        }

        var removals: [PullAction] = []
        if delete {
            var trashedFolder: RemotePath?
            for item in local where !targetPaths.contains(item.path) && !moved.contains(item.path) {
                if let trashedFolder, trashedFolder.contains(item.path) { continue }
                removals.append(.trash(item.path))
                if item.kind == .folder { trashedFolder = item.path }
            }
        }
        let forgotten = state.filter { !targetPaths.contains($0.path) && !moved.contains($0.path) }.map {
            PullAction.forget($0.path)
        }
        return folders + moves + transfers + removals + forgotten
    }

    /// The local file is as an earlier pull left it.
    static func untouched(_ item: LocalItem, _ record: SyncedItem) -> Bool {
        item.kind == .file && record.kind == .file && item.size == record.size && item.modified == record.modified
    }

    /// The record holds the target's current content: the same item, and the same MD5 (files) or
    /// version (exports).
    static func holdsContent(_ record: SyncedItem, of target: PullTarget) -> Bool {
        guard record.remoteID == target.sourceID else { return false }
        switch target.content {
        case .file: return target.md5 != nil ? record.remoteMD5 == target.md5 : record.headRevision == target.version
        case .export: return record.headRevision == target.version && record.remoteModified == target.modified
        case .folder: return true
        }
    }
}
