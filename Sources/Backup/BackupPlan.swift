public import DriveSyncCore
public import SyncEngine

/// What one backup run does to each path. Pure: built from two scans, table-tested.
public enum BackupStep: Hashable, Sendable {
    public enum Change: String, Codable, Hashable, Sendable {
        case added
        case modified
        case removed
    }

    case makeFolder(RemotePath)
    /// Copy the source file (new or changed).
    case copy(RemotePath, Change, bytes: Int64)
    /// Unchanged since the previous version: a hard link to it (versioned backups).
    case link(RemotePath, bytes: Int64)
    /// Unchanged in the mirror: nothing to do (snapshots).
    case keep(RemotePath)
    /// Gone from the source: moved out of the mirror into `deleted/` (snapshots).
    case remove(RemotePath, isFolder: Bool, bytes: Int64)

    public var path: RemotePath {
        switch self {
        case .makeFolder(let path), .copy(let path, _, _), .link(let path, _), .keep(let path), .remove(let path, _, _):
            path
        }
    }
}

/// Plans from scans sorted by path, as `LocalScanner` returns them: the two sides are paired in one
/// merge pass, with no dictionary of either.
public enum BackupPlanner {
    /// Same content by size and modification time (to the millisecond), or by MD5 when both are known.
    static func unchanged(_ item: LocalItem, _ other: LocalItem) -> Bool {
        if let md5 = item.md5, let otherMD5 = other.md5 { return md5 == otherMD5 && item.size == other.size }
        return item.size == other.size && item.modified == other.modified
    }

    /// Calls `body` for every path of either sorted list, with the item each side has there.
    static func pair(_ left: [LocalItem], _ right: [LocalItem], _ body: (LocalItem?, LocalItem?) -> Void) {
        var leftIndex = left.startIndex
        var rightIndex = right.startIndex
        while leftIndex < left.endIndex || rightIndex < right.endIndex {
            guard leftIndex < left.endIndex else {
                body(nil, right[rightIndex])
                rightIndex += 1
                continue
            }
            guard rightIndex < right.endIndex else {
                body(left[leftIndex], nil)
                leftIndex += 1
                continue
            }
            let (item, other) = (left[leftIndex], right[rightIndex])
            let order = RemotePath.order(item.path, other.path)
            body(order <= 0 ? item : nil, order >= 0 ? other : nil)
            if order <= 0 { leftIndex += 1 }
            if order >= 0 { rightIndex += 1 }
        }
    }

    /// A snapshot: make `mirror` match `source`; what the source lost leaves the mirror (kept aside).
    /// A path that changed kind is removed first: a file's at once, a folder's (its contents gone
    /// before it, deepest first) with the other removals, the new file copied after them.
    public static func snapshot(source: [LocalItem], mirror: [LocalItem]) -> [BackupStep] {
        var steps: [BackupStep] = []
        var removals: [BackupStep] = []
        var afterRemovals: [BackupStep] = []
        pair(source, mirror) { item, existing in
            switch (item, existing) {
            case (let item?, let existing) where item.kind == .folder:
                if let existing, existing.kind == .file {
                    steps.append(.remove(existing.path, isFolder: false, bytes: existing.size))
                }
                if existing?.kind != .folder { steps.append(.makeFolder(item.path)) }
            case (let item?, let existing?) where existing.kind == .file:
                steps.append(
                    unchanged(item, existing) ? .keep(item.path) : .copy(item.path, .modified, bytes: item.size)
                )
            case (let item?, let folder?):
                removals.append(.remove(folder.path, isFolder: true, bytes: 0))
                afterRemovals.append(.copy(item.path, .added, bytes: item.size))
            case (let item?, nil):
                steps.append(.copy(item.path, .added, bytes: item.size))
            case (nil, let gone?):
                removals.append(.remove(gone.path, isFolder: gone.kind == .folder, bytes: gone.size))
            case (nil, nil):
                break
            }
        }
        return steps + removals.reversed() + afterRemovals
    }

    /// A new version of `source` beside `previous` (the last version, empty for the first): unchanged
    /// files are linked to it, others copied.
    public static func versioned(source: [LocalItem], previous: [LocalItem]) -> [BackupStep] {
        var steps: [BackupStep] = []
        steps.reserveCapacity(source.count)
        pair(source, previous) { item, old in
            guard let item else { return }
            if item.kind == .folder { return steps.append(.makeFolder(item.path)) }
            guard let old, old.kind == .file else { return steps.append(.copy(item.path, .added, bytes: item.size)) }
            steps.append(
                unchanged(item, old)
                    ? .link(item.path, bytes: item.size) : .copy(item.path, .modified, bytes: item.size)
            )
        }
        return steps
    }

    /// Files of `previous` the new version no longer has (for its changelog).
    public static func removedSince(_ previous: [LocalItem], source: [LocalItem]) -> [RemotePath] {
        var removed: [RemotePath] = []
        pair(previous, source) { old, new in
            if let old, old.kind == .file, new == nil { removed.append(old.path) }
        }
        return removed
    }

    /// Files of `older` and `newer` by what happened to them between the two (both sorted by path).
    public static func changes(from older: [LocalItem], to newer: [LocalItem]) -> [(RemotePath, BackupStep.Change)] {
        var changes: [(RemotePath, BackupStep.Change)] = []
        pair(older.filter { $0.kind == .file }, newer.filter { $0.kind == .file }) { old, new in
            switch (old, new) {
            case (nil, let new?): changes.append((new.path, .added))
            case (let old?, nil): changes.append((old.path, .removed))
            case (let old?, let new?) where !unchanged(new, old): changes.append((new.path, .modified))
            default: break
            }
        }
        return changes
    }
}
