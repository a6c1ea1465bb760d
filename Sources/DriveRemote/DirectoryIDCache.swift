import DriveSyncCore

/// Folder paths to Drive IDs, shared by every concurrent transfer of one remote. Lookups and creations
/// of the same path are joined, so concurrent uploads into a new folder never create it twice
/// (rclone's dircache, as an actor).
actor DirectoryIDCache {
    private var known: [RemotePath: String]
    private var inFlight: [RemotePath: Task<String?, any Error>] = [:]

    init(rootID: String) {
        known = [.root: rootID]
    }

    func cachedID(_ path: RemotePath) -> String? { known[path] }

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

    /// Forgets a folder and everything below it (after a move or removal).
    func invalidate(_ path: RemotePath) {
        for key in known.keys where path.contains(key) && !key.isRoot { known[key] = nil }
    }
}
