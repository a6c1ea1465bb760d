import DriveAPI
import DriveSyncCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Paths to Drive IDs, shared by every concurrent transfer of one remote. Lookups and creations of the
/// same folder are joined, so concurrent uploads into a new folder never create it twice (rclone's
/// dircache, as an actor). File IDs come only from what the caller remembered (the run's view of the
/// remote) and are dropped when a call finds them stale.
actor DirectoryIDCache {
    private var known: [RemotePath: String]
    private var inFlight: [RemotePath: Task<String?, any Error>] = [:]
    private var files: [RemotePath: RemoteEntry] = [:]
    /// Folders this remote made, with the names it put in them since: nothing else is in them, so a
    /// name is looked up there without asking Drive.
    private var made: [RemotePath: Set<String>] = [:]
    /// Folders resolved with their full metadata, for `makeFolder` to return without fetching it.
    private var resolved: [RemotePath: File] = [:]

    init(rootID: String) {
        known = [.root: rootID]
    }

    func cachedID(_ path: RemotePath) -> String? { known[path] }

    /// A file as the caller remembered it (its head revision and MD5 included), until something changes it.
    func cachedFile(_ path: RemotePath) -> RemoteEntry? { files[path] }

    /// The folder's ID, resolved (or created) by `resolve` once however many callers ask at the same time.
    func id(for path: RemotePath, resolve: @escaping @Sendable () async throws -> String?) async throws -> String? {
        if let id = known[path] { return id }
        if let task = inFlight[path] { return try await task.value }
        let task = Task { try await resolve() }
        inFlight[path] = task
        defer { inFlight[path] = nil }
        let id = try await task.value
        if let id { known[path] = id }
        return id
    }

    func store(_ id: String, for path: RemotePath) { known[path] = id }

    /// What the caller already knows of the remote: folders and files by path.
    func remember(_ entries: [RemoteEntry]) {
        for entry in entries where entry.id != nil {
            if entry.isFolder {
                if known[entry.path] == nil { known[entry.path] = entry.id }
            } else if files[entry.path] == nil {
                files[entry.path] = entry
            }
        }
    }

    /// Whether `name` is free in a folder this remote made (`nil`: not one of those, Drive must say).
    func isFree(_ name: String, in folder: RemotePath) -> Bool? { made[folder].map { !$0.contains(name) } }

    /// Something named `name` now is in `folder` (a file's ID, when it is one).
    func placed(_ name: String, in folder: RemotePath, fileID: String? = nil) {
        made[folder]?.insert(name)
        if let fileID, let path = try? folder.appending(name) {
            files[path] = RemoteEntry(path: path, kind: .file, size: 0, modified: .distantPast, md5: nil, id: fileID)
        }
    }

    /// Notes a folder found or made, with its metadata when at hand.
    func resolved(_ file: File, at path: RemotePath, madeHere: Bool) {
        resolved[path] = file
        if madeHere { made[path] = [] }
        if let parent = path.parent { made[parent]?.insert(path.name) }
    }

    /// The metadata of a folder resolved earlier.
    func resolvedFile(_ path: RemotePath) -> File? { resolved[path] }

    /// Forgets a path and everything below it (after a move or removal, or an ID found stale).
    func invalidate(_ path: RemotePath) {
        for key in known.keys where path.contains(key) && !key.isRoot { known[key] = nil }
        files = files.filter { !path.contains($0.key) }
        made = made.filter { !path.contains($0.key) || $0.key.isRoot }
        resolved = resolved.filter { !path.contains($0.key) || $0.key.isRoot }
        if let parent = path.parent, !path.isRoot { made[parent]?.remove(path.name) }
    }
}
