public import DriveAPI
import DriveRemote
public import DriveSyncCore
public import Foundation
public import NIOCore
import SyncEngine

/// One account's Drive, file by file, for applications: listings, metadata, content, uploads that never
/// overwrite blindly, renames, moves, trash. Paths start at the account's remote root; folders made by
/// concurrent requests are made once.
public struct DriveFiles: Sendable {
    public let connection: DriveSync.Connection
    /// Path lookups and folder creation, shared by every request to this account.
    let folders: DriveFolderRemote
    /// Uploads to one path, one at a time.
    let uploads = PathLocks()
    /// What was read recently, so a repeated read makes no Drive call.
    let cache: MetadataCache

    /// What to do when an upload's name is taken.
    public enum Replacement: String, Sendable, CaseIterable {
        /// Move the current file to the archive folder first, then create the new one.
        case archive
        /// Keep the current content as a pinned revision, then replace it in place.
        case revision
    }

    init(connection: DriveSync.Connection, folders: DriveFolderRemote, cache: MetadataCache) {
        self.connection = connection
        self.folders = folders
        self.cache = cache
    }

    var client: DriveClient { connection.client }

    /// The item with this ID; `fresh` asks Drive even when the cache holds it (before reading content,
    /// whose checksum and revision must be current).
    public func item(id: String, fresh: Bool = false) async throws -> DriveItem {
        if !fresh, case .item(let item)? = await cache.value(.item(id)) { return item }
        let item = DriveItem(try await client.getFile(id, fields: .syncFile))
        await cache.store(.item(item), for: .item(id))
        return item
    }

    /// The item at `path`, or `nil`.
    public func item(at path: RemotePath) async throws -> DriveItem? {
        if case .item(let item)? = await cache.value(.path(path)) { return item }
        guard let id = try await folders.entry(at: path)?.id else { return nil }
        let item = try await item(id: id)
        await cache.store(.item(item), for: .path(path))
        return item
    }

    /// The ID of the folder at `path`.
    public func folderID(at path: RemotePath) async throws -> String {
        guard let item = try await item(at: path) else { throw RemoteError(.notFound, path) }
        guard item.kind == .folder else { throw RemoteError(.notAFolder, path) }
        return item.id
    }

    /// One page of a folder's children, folders first then by name.
    public func list(
        folderID: String,
        pageToken: String? = nil,
        pageSize: Int = 100
    ) async throws -> (items: [DriveItem], nextPageToken: String?) {
        let key = MetadataCache.Key.listing(folderID: folderID, pageToken: pageToken, pageSize: pageSize)
        if case .listing(let items, let next)? = await cache.value(key) { return (items, next) }
        let pages = client.listFiles(
            query: .inParents(folderID) && .notTrashed,
            fields: Fields.syncFile.inFileList(),
            orderBy: "folder,name",
            pageSize: pageSize,
            startingAt: pageToken
        )
        var iterator = pages.makeAsyncIterator()
        guard let page = try await iterator.next() else { return ([], nil) }
        let items = (page.files ?? []).map { DriveItem($0) }
        await cache.store(.listing(items: items, nextPageToken: page.nextPageToken), for: key)
        return (items, page.nextPageToken)
    }

    /// Reads the changes feed since the last call and forgets what changed on Drive (the first call only
    /// notes where the feed is). Returns how many changes it saw.
    @discardableResult
    public func applyChanges() async throws -> Int {
        guard let cursor = await cache.changeCursor else {
            await cache.setChangeCursor(try await client.startPageToken())
            return 0
        }
        let fields: Fields = "nextPageToken,newStartPageToken,changes(fileId,removed,file(id,parents))"
        let (changes, next) = try await client.changes(since: cursor, fields: fields) { change in
            (change.fileId ?? change.file?.id).map { (id: $0, parents: change.file?.parents ?? []) }
        }
        if !changes.isEmpty { await invalidate(items: changes.map(\.id), parents: changes.flatMap(\.parents)) }
        await cache.setChangeCursor(next)
        return changes.count
    }

    /// Forgets what is cached of changed `items` (with `parents`, where they are now) and of the folders
    /// they were cached in.
    public func invalidate(items: [String], parents: [String]) async {
        let ids = Set(items)
        await cache.invalidate(folders: parents + (await cache.cachedParents(of: ids)), items: Array(ids))
    }

    /// Every item below a folder, with its path below it, breadth first.
    public func tree(folderID: String, limit: Int = 100_000) async throws -> [DriveItem] {
        var result: [DriveItem] = []
        var pending: [(id: String, path: String)] = [(folderID, "")]
        while let (id, prefix) = pending.first, result.count < limit {
            pending.removeFirst()
            let children = try await client.allFiles(
                query: .inParents(id) && .notTrashed,
                fields: .syncFile,
                orderBy: "folder,name"
            )
            for child in children {
                let item = DriveItem(child, path: prefix.isEmpty ? child.name ?? "" : prefix + "/" + (child.name ?? ""))
                if item.kind == .folder { pending.append((item.id, item.path ?? "")) }
                result.append(item)
            }
        }
        return result
    }

    /// Makes the folder at `path` and its parents as needed.
    public func makeFolder(_ path: RemotePath) async throws -> DriveItem {
        guard let id = try await folders.makeFolder(path).id else { throw RemoteError(.io, path, "no ID") }
        await cache.invalidate(path: path, folders: await cache.cachedFolderIDs(along: path))
        return try await item(id: id)
    }

    /// The content of `item`, or of `range` of it; a document is exported to `format` (a file extension
    /// such as `pdf`, or a MIME type). With `verify`, a whole file's MD5 is checked as it passes (at MD5's
    /// speed, slower than loopback) and a mismatch throws at the end, as `drivesync cat --checksum` does.
    public func content(
        of item: DriveItem,
        range: Range<Int64>? = nil,
        format: String? = nil,
        verify: Bool = false
    ) throws -> DownloadStream {
        switch item.kind {
        case .folder, .shortcut:
            throw RemoteError(.isAFolder, try RemotePath(item.name.isEmpty ? "item" : item.name), "it has no content")
        case .document:
            guard let format else {
                throw DriveSyncError(
                    .invalidArgument,
                    "\(item.name) is a Google document; ask for an export with format (pdf, docx, txt, …)"
                )
            }
            guard let mimeType = Self.exportMimeType(format) else {
                throw DriveSyncError(
                    .invalidArgument,
                    "unknown export format '\(format)'; use one of \(ExportFormat.known.keys.sorted().joined(separator: ", "))"
                )
            }
            return client.export(fileId: item.id, mimeType: mimeType)
        case .file:
            return client.download(
                fileId: item.id,
                range: range,
                expectedMD5: verify && range == nil ? item.md5 : nil,
                headRevisionId: item.headRevisionID
            )
        }
    }

    /// The MIME type an export `format` names: itself when it is one, else a known file extension's.
    public static func exportMimeType(_ format: String) -> String? {
        format.contains("/") ? format : ExportFormat.known[format.lowercased()]
    }

    /// Uploads `size` bytes from `body` to `path`, making its folder as needed. A name already taken is
    /// refused unless `replace` says how to keep the current content.
    public func upload<Body: AsyncSequence<ByteBuffer, any Error>>(
        _ body: Body,
        size: Int64,
        to path: RemotePath,
        contentType: String?,
        replace: Replacement?,
        archiveFolder: RemotePath,
        now: Date = Date()
    ) async throws -> DriveItem {
        guard let parent = path.parent, !path.isRoot else {
            throw DriveSyncError(.invalidArgument, "an upload needs a file name, not the root")
        }
        return try await uploads.withLock(path) {
            let (item, replaced) = try await upload(
                body,
                size: size,
                to: path,
                in: parent,
                contentType: contentType,
                replace: replace,
                archiveFolder: archiveFolder,
                now: now
            )
            if replace == .archive, replaced != nil {
                await cache.removeAll()  // the archive gained folders whose listings this cache may hold
            } else {
                await cache.invalidate(
                    path: path,
                    folders: item.parents + (await cache.cachedFolderIDs(along: parent)),
                    items: [item.id] + (replaced.map { [$0] } ?? [])
                )
            }
            return item
        }
    }

    private func upload<Body: AsyncSequence<ByteBuffer, any Error>>(
        _ body: Body,
        size: Int64,
        to path: RemotePath,
        in parent: RemotePath,
        contentType: String?,
        replace: Replacement?,
        archiveFolder: RemotePath,
        now: Date
    ) async throws -> (DriveItem, replaced: String?) {
        let options = UploadOptions(contentType: contentType)
        // Looked up afresh, never from the cache: whether a name is taken decides between a create and a 409.
        var replaced: String?
        if let existing = try await folders.entry(at: path) {
            guard !existing.isFolder, let id = existing.id else {
                throw RemoteError(.isAFolder, path, "a folder has that name")
            }
            switch replace {
            case nil:
                throw RemoteError(
                    .alreadyExists,
                    path,
                    "add replace=archive to archive the current file, or replace=revision to keep it as a revision"
                )
            case .revision:
                _ = try await folders.pinCurrentRevision(of: path)
                let file = try await client.upload(
                    streaming: body,
                    size: size,
                    metadata: File(modifiedTime: now),
                    replacing: id,
                    options: options
                )
                return (DriveItem(file), id)
            case .archive:
                replaced = id
                try await archive(
                    path,
                    to: try ArchiveNaming.archivedPath(for: path, at: now, archiveRoot: archiveFolder)
                )
            }
        }
        let parentID = try await folders.makeFolder(parent).id ?? "root"
        var metadata = File(modifiedTime: now)
        metadata.name = path.name
        metadata.parents = [parentID]
        let file = try await client.upload(streaming: body, size: size, metadata: metadata, options: options)
        return (DriveItem(file), replaced)
    }

    /// Moves `path` to `destination`, numbering the name when an archived copy of the same second exists.
    private func archive(_ path: RemotePath, to destination: RemotePath) async throws {
        if let parent = destination.parent { _ = try await folders.makeFolder(parent) }
        for number in 1...100 {
            let target = number == 1 ? destination : try ArchiveNaming.numbered(destination, number)
            do {
                _ = try await folders.move(path, to: target)
                return
            } catch let error as RemoteError where error.code == .alreadyExists {
                continue
            }
        }
        throw RemoteError(.alreadyExists, destination, "no free archive name")
    }

    /// Renames or moves an item; the new folder is given by ID or by path.
    public func update(id: String, name: String?, folderID newFolderID: String?) async throws -> DriveItem {
        var changes = File()
        if let name {
            _ = try RemotePath(name)
            changes.name = name
        }
        var add: [String] = []
        var remove: [String] = []
        if let newFolderID {
            let current = try await client.getFile(id, fields: .placement).parents ?? []
            if !current.contains(newFolderID) {
                add = [newFolderID]
                remove = current
            }
        }
        let file = try await client.updateFile(id, changes, addParents: add, removeParents: remove, fields: .syncFile)
        await folders.forgetFolders()
        await cache.invalidate(folders: add + remove + (file.parents ?? []), items: [id])
        return DriveItem(file)
    }

    /// Moves an item to the trash, or deletes it for good.
    public func remove(id: String, permanently: Bool) async throws {
        let parents = try await client.getFile(id, fields: .placement).parents ?? []
        if permanently { try await client.deleteFile(id) } else { _ = try await client.trashFile(id) }
        await folders.forgetFolders()
        await cache.invalidate(folders: parents, items: [id])
    }
}
