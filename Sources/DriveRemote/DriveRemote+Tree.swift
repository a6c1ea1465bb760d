public import DriveAPI
public import DriveSyncCore
public import NIOCore

extension DriveFolderRemote: RemoteTree {
    public static let nodeFields: Fields =
        "id,name,mimeType,parents,size,md5Checksum,modifiedTime,createdTime,headRevisionId,shortcutDetails(targetId),capabilities(canDownload),trashed"

    /// Folders listed per query: their IDs joined with `or`, as rclone groups listings.
    static let foldersPerListing = 50

    /// A file as a node; documents carry their modification time as their version (they have no
    /// revisions to name, and renaming one does not change it).
    public static func node(_ file: File) -> RemoteNode? {
        guard let id = file.id, let name = file.name, file.trashed != true else { return nil }
        let modified = file.modifiedTime.map(DriveTimestamp.milliseconds(of:)) ?? 0
        return RemoteNode(
            id: id,
            name: name,
            parentIDs: file.parents ?? [],
            kind: file.nodeKind,
            mimeType: file.mimeType ?? "application/octet-stream",
            size: file.size ?? 0,
            md5: file.md5Checksum,
            modified: modified,
            created: file.createdTime.map(DriveTimestamp.milliseconds(of:)) ?? 0,
            version: file.isWorkspaceDocument ? String(modified) : file.headRevisionId,
            shortcutTarget: file.shortcutDetails?.targetId,
            canDownload: file.capabilities?.canDownload ?? true
        )
    }

    public func nodes(below id: String) async throws -> [RemoteNode] {
        var nodes: [RemoteNode] = []
        var pending = [id]
        while !pending.isEmpty {
            let batch = Array(pending.suffix(Self.foldersPerListing))
            pending.removeLast(batch.count)
            for file in try await drive.allFiles(query: .inAnyParent(batch) && .notTrashed, fields: Self.nodeFields) {
                guard let node = Self.node(file) else { continue }
                nodes.append(node)
                if node.isFolder { pending.append(node.id) }
            }
        }
        return nodes
    }

    public func node(id: String) async throws -> RemoteNode? {
        do {
            return Self.node(try await drive.getFile(id, fields: Self.nodeFields))
        } catch let error as DriveAPIError where error.status == 404 {
            return nil
        }
    }

    public func nodeChanges(since cursor: String) async throws -> (changes: [RemoteNodeChange], next: String) {
        let fields = Fields("nextPageToken,newStartPageToken,changes(removed,fileId,file(\(Self.nodeFields)))")
        let (changes, next) = try await drive.changes(since: cursor, fields: fields) { change -> RemoteNodeChange? in
            guard let id = change.fileId ?? change.file?.id else { return nil }  // a shared drive's own change
            return RemoteNodeChange(id: id, node: change.removed == true ? nil : change.file.flatMap(Self.node))
        }
        return (changes, next)
    }

    public func exportFormats() async throws -> [String: [String]] {
        try await drive.about(fields: .exportFormats).exportFormats ?? [:]
    }

    public func read<Result: Sendable>(
        id: String,
        range: Range<Int64>?,
        version: String?,
        _ body: (any AsyncSequence<ByteBuffer, any Error>) async throws -> Result
    ) async throws -> Result {
        try await body(drive.download(fileId: id, range: range, headRevisionId: version))
    }

    public func export<Result: Sendable>(
        id: String,
        as mimeType: String,
        _ body: (any AsyncSequence<ByteBuffer, any Error>) async throws -> Result
    ) async throws -> Result {
        try await body(drive.export(fileId: id, mimeType: mimeType))
    }
}
