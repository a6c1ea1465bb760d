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
        var byID: [String: SyncedItem] = [:]
        var folderIDs: [RemotePath: String] = [.root: rootID]
        for item in state {
            guard let id = item.remoteID else { continue }
            byID[id] = item
            if item.kind == .folder { folderIDs[item.path] = id }
        }
        let treeFolders = Set(folderIDs.values)
        return changes.filter { change in
            guard let record = byID[change.id] else {
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
                revision: item.headRevision
            )
        }
    }
}
