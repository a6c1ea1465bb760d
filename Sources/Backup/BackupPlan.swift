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
    case copy(RemotePath, Change)
    /// Unchanged since the previous version: a hard link to it (versioned backups).
    case link(RemotePath)
    /// Unchanged in the mirror: nothing to do (snapshots).
    case keep(RemotePath)
    /// Gone from the source: moved out of the mirror into `deleted/` (snapshots).
    case remove(RemotePath, isFolder: Bool)

    public var path: RemotePath {
        switch self {
        case .makeFolder(let path), .copy(let path, _), .link(let path), .keep(let path), .remove(let path, _): path
        }
    }
}

public enum BackupPlanner {
    /// Same content by size and modification time (to the millisecond), or by MD5 when both are known.
    static func unchanged(_ item: LocalItem, _ other: LocalItem) -> Bool {
        if let md5 = item.md5, let otherMD5 = other.md5 { return md5 == otherMD5 && item.size == other.size }
        return item.size == other.size && item.modified == other.modified
    }

    /// A snapshot: make `mirror` match `source`; what the source lost leaves the mirror (kept aside).
    public static func snapshot(source: [LocalItem], mirror: [LocalItem]) -> [BackupStep] {
        let mirrored = Dictionary(mirror.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let present = Set(source.map(\.path))
        var steps: [BackupStep] = []
        for item in source {
            let existing = mirrored[item.path]
            switch (item.kind, existing) {
            case (.folder, let existing?) where existing.kind == .folder: continue
            case (.folder, _): steps.append(.makeFolder(item.path))
            case (.file, let existing?) where existing.kind == .file:
                steps.append(unchanged(item, existing) ? .keep(item.path) : .copy(item.path, .modified))
            case (.file, _): steps.append(.copy(item.path, .added))
            }
        }
        // Removals deepest first (the mirror scan is sorted), so a folder is emptied before it goes.
        for item in mirror.reversed() where !present.contains(item.path) {
            steps.append(.remove(item.path, isFolder: item.kind == .folder))
        }
        return steps
    }

    /// A new version of `source` beside `previous` (the last version, empty for the first): unchanged
    /// files are linked to it, others copied.
    public static func versioned(source: [LocalItem], previous: [LocalItem]) -> [BackupStep] {
        let earlier = Dictionary(previous.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        return source.map { item in
            if item.kind == .folder { return .makeFolder(item.path) }
            guard let old = earlier[item.path], old.kind == .file else { return .copy(item.path, .added) }
            return unchanged(item, old) ? .link(item.path) : .copy(item.path, .modified)
        }
    }

    /// Files of `previous` the new version no longer has (for its changelog).
    public static func removedSince(_ previous: [LocalItem], source: [LocalItem]) -> [RemotePath] {
        let present = Set(source.map(\.path))
        return previous.filter { $0.kind == .file && !present.contains($0.path) }.map(\.path)
    }
}
