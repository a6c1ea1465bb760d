public import DriveSyncCore
public import SyncState

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decides which entries of a changes feed matter to a sync pair. Pure. A change matters when it touches
/// something the state records (removed, renamed, moved, new content) or brings something new into a
/// recorded folder. The sync's own writes match the state and do not matter; copies it moved into the
/// archive or trash have left the tree.
public enum ChangeFeedFilter {
    public static func relevant(_ changes: [RemoteChange], state: [SyncedItem], rootID: String) -> [RemoteChange] {
        // A quiet feed (the common re-sync) needs no index of the state.
        guard !changes.isEmpty else { return [] }
        var byID: [String: Int] = [:]
        var folderIDs: [RemotePath: String] = [.root: rootID]
        for (index, item) in state.enumerated() {
            guard let id = item.remoteID else { continue }
            byID[id] = index
            if item.kind == .folder { folderIDs[item.path] = id }
        }
        let treeFolders = Set(folderIDs.values)
        return changes.filter { change in
            guard let record = byID[change.id].map({ state[$0] }) else {
                return !change.removed && !treeFolders.isDisjoint(with: change.parentIDs)
            }
            if change.removed || !(change.name ?? "").utf8.elementsEqual(record.path.name.utf8) { return true }
            if let parent = record.path.parent, let parentID = folderIDs[parent], !change.parentIDs.contains(parentID) {
                return true
            }
            if record.kind == .file, change.isFolder || change.md5 != record.remoteMD5 { return true }
            return false
        }
    }

    /// True when every recorded item's folder is recorded too, so the feed can be checked against the
    /// whole tree (a state written before folders were recorded cannot be).
    public static func coversTree(_ state: [SyncedItem]) -> Bool {
        let folders = Set(state.filter { $0.kind == .folder && $0.remoteID != nil }.map(\.path))
        return state.allSatisfy { item in item.path.parent.map { $0.isRoot || folders.contains($0) } ?? true }
    }

    /// The remote tree as the state last saw it, for runs where the feed says nothing changed.
    public static func remoteView(from state: [SyncedItem]) -> [RemoteEntry] {
        state.map { item in
            RemoteEntry(
                path: item.path,
                kind: item.kind,
                size: item.size,
                modified: Date(timeIntervalSince1970: Double(item.remoteModified ?? item.modified) / 1000),
                md5: item.remoteMD5,
                id: item.remoteID,
                revision: item.headRevision,
                revisionKept: item.headKept
            )
        }
    }

    /// `view` (the remote as the state last saw it) with the feed's changes taken in, in the listing's
    /// order, leaving out `archive`; `nil` when only a listing can tell (a folder moved with what is in
    /// it, two items under one name, a change without the metadata a listing gives).
    public static func apply(
        _ changes: [RemoteChange],
        to view: [RemoteEntry],
        rootID: String,
        skipping archive: RemotePath
    ) -> [RemoteEntry]? {
        var entries = Dictionary(view.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var paths: [String: RemotePath] = [rootID: .root]
        for entry in view { if let id = entry.id { paths[id] = entry.path } }
        func remove(below path: RemotePath) {
            // Only a folder has anything below it: a file goes without a pass over the whole view.
            let keys = entries[path]?.isFolder == true ? entries.keys.filter(path.contains) : [path]
            for key in keys {
                if let id = entries[key]?.id { paths[id] = nil }
                entries[key] = nil
            }
        }
        // A change names its parent by ID, and a new folder's own change may come after its children's:
        // rounds until nothing more can be placed; what is left is outside the tree.
        var pending = changes
        while !pending.isEmpty {
            var unplaced: [RemoteChange] = []
            for change in pending where change.id != rootID {  // the root's own metadata is not the tree
                let current = paths[change.id]
                if change.removed {
                    if let current { remove(below: current) }
                    continue
                }
                guard let parent = change.parentIDs.lazy.compactMap({ paths[$0] }).first,
                    entries[parent]?.isFolder ?? parent.isRoot
                else {
                    unplaced.append(change)
                    continue
                }
                guard let name = change.name, let path = try? parent.appending(name),
                    change.isFolder || change.modified != nil
                else { return nil }
                if let current, current != path {
                    if change.isFolder { return nil }
                    remove(below: current)
                }
                if let taken = entries[path], taken.id != change.id { return nil }
                let known = entries[path]
                entries[path] = RemoteEntry(
                    path: path,
                    kind: change.isFolder ? .folder : .file,
                    size: change.size ?? 0,
                    modified: change.modified ?? known?.modified ?? Date(timeIntervalSince1970: 0),
                    md5: change.md5,
                    id: change.id,
                    mimeType: change.mimeType,
                    revision: change.revision,
                    // A change that is the same version (this tool's own upload) keeps what is known of it.
                    revisionKept: known?.revisionKept == true && change.revision != nil
                        && known?.revision == change.revision
                )
                paths[change.id] = path
            }
            guard unplaced.count < pending.count else {
                // Moved out of the tree (or never in it): gone from this view.
                for change in unplaced { if let current = paths[change.id] { remove(below: current) } }
                break
            }
            pending = unplaced
        }
        return entries.values.filter { !archive.contains($0.path) }.sorted { $0.path < $1.path }
    }
}
