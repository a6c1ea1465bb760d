public import DriveAPI
public import DriveSyncCore
public import NIOCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A folder on Google Drive (or the emulator) as a `Remote`, over `DriveClient`.
///
/// Paths resolve to IDs by name below `rootID`; folder IDs are cached and their creation is joined, so
/// concurrent transfers never make duplicate folders. Creates use IDs from `files.generateIds`, so a
/// retried create cannot duplicate a file.
public struct DriveFolderRemote: Remote {
    public let drive: DriveClient
    public let rootID: String
    /// Where resumable upload sessions are kept, so an interrupted upload continues on the next run.
    public let sessionStore: (any ResumableSessionStore)?
    /// Where creates note their pre-generated IDs first, so a create repeated after a crash cannot
    /// duplicate.
    public let journal: (any CreateJournal)?
    private let folders: DirectoryIDCache
    private let ids: FileIDPool
    /// Uploads are sent kept forever (`pinningUploads()`).
    private var pinsUploads = false
    private static let fields: Fields =
        "id,name,mimeType,size,md5Checksum,modifiedTime,createdTime,parents,headRevisionId"

    /// - Parameters:
    ///   - drive: the client.
    ///   - rootID: the Drive folder that is this remote's root (`root` is My Drive).
    public init(
        drive: DriveClient,
        rootID: String,
        sessionStore: (any ResumableSessionStore)? = nil,
        journal: (any CreateJournal)? = nil
    ) {
        self.drive = drive
        self.rootID = rootID
        self.sessionStore = sessionStore
        self.journal = journal
        self.folders = DirectoryIDCache(rootID: rootID)
        self.ids = FileIDPool(drive: drive)
    }

    /// A remote rooted at `path` below My Drive (or below folder `base`: a shared drive's ID), creating
    /// the folders on the way.
    public static func atPath(
        _ path: RemotePath,
        below base: String = "root",
        drive: DriveClient,
        sessionStore: (any ResumableSessionStore)? = nil,
        journal: (any CreateJournal)? = nil,
        create: Bool = true
    ) async throws -> DriveFolderRemote {
        let top = DriveFolderRemote(
            drive: drive,
            rootID: try await drive.getFile(base, fields: .id).id ?? base,
            sessionStore: sessionStore
        )
        guard !path.isRoot else {
            return DriveFolderRemote(drive: drive, rootID: top.rootID, sessionStore: sessionStore, journal: journal)
        }
        let id: String
        if create {
            id = try await top.makeFolder(path).id ?? "root"
        } else {
            guard let found = try await top.entry(at: path) else {
                throw RemoteError(.notFound, path, "no such folder on Drive")
            }
            guard found.isFolder, let foundID = found.id else { throw RemoteError(.notAFolder, path) }
            id = foundID
        }
        return DriveFolderRemote(drive: drive, rootID: id, sessionStore: sessionStore, journal: journal)
    }

    /// Creates something new at `path` in `parentID` with a pre-generated ID noted in the journal first.
    /// A repeat of a create that already landed (409: the ID is taken) hands the ID to `existing` when
    /// the file is still where the create put it; an intent whose file has since moved away is stale and
    /// a fresh ID is used.
    private func create(
        _ path: RemotePath,
        in parentID: String,
        _ make: (String) async throws -> File,
        existing: (String) async throws -> File
    ) async throws -> File {
        let newID = try await ids.next()
        var id = try await journal?.claimID(for: path, newID: newID) ?? newID
        if id != newID { await ids.giveBack(newID) }
        let file: File
        do {
            file = try await make(id)
        } catch let error as DriveAPIError where error.status == 409 {
            let landed = try await drive.getFile(id, fields: .placement)
            if landed.trashed != true, landed.parents?.contains(parentID) == true,
                landed.name?.utf8.elementsEqual(path.name.utf8) == true
            {
                file = try await existing(id)
            } else {
                id = try await ids.next()
                try await journal?.recordIntent(id, for: path)
                file = try await make(id)
            }
        }
        // The intent stays until the caller records the file (the sync state clears it then): a kill
        // in between leaves the ID, by which the next run knows the file as its own.
        return file
    }

    /// Upload options: a resumable session is kept per remote path.
    private func uploadOptions(_ path: RemotePath) -> UploadOptions {
        UploadOptions(
            fields: Self.fields,
            keepRevisionForever: pinsUploads,
            sessionStore: sessionStore,
            sessionKey: "\(rootID):\(path)"
        )
    }

    public var capabilities: RemoteCapabilities {
        RemoteCapabilities(
            isCaseInsensitive: false,
            allowsDuplicateNames: true,
            modificationTimePrecision: .milliseconds(1),
            providesMD5: true,
            hasTrash: true
        )
    }

    private func entry(for file: File, at path: RemotePath) -> RemoteEntry {
        RemoteEntry(
            path: path,
            kind: file.isFolder ? .folder : .file,
            size: file.size ?? 0,
            modified: file.modifiedTime ?? Date(timeIntervalSince1970: 0),
            md5: file.md5Checksum,
            id: file.id,
            mimeType: file.mimeType,
            revision: file.headRevisionId
        )
    }

    /// The children of a folder ID named `name`, oldest first (Drive allows duplicates; the oldest is the
    /// one a path means). Equal creation times go by ID, so every process picks the same one. Drive's `name =`
    /// ignores case, so `Notes` answers for `notes` too: only the exact name counts.
    private func children(of parentID: String, named name: String? = nil) async throws -> [File] {
        var query: Query = .inParents(parentID) && .notTrashed
        if let name { query = query && .name(is: name) }
        return try await drive.allFiles(query: query, fields: Self.fields, orderBy: "createdTime").filter {
            name == nil || $0.name?.utf8.elementsEqual(name!.utf8) == true
        }.sorted {
            ($0.createdTime ?? .distantFuture, $0.id ?? "") < ($1.createdTime ?? .distantFuture, $1.id ?? "")
        }
    }

    /// The file at a path, or `nil`.
    private func file(at path: RemotePath) async throws -> File? {
        if path.isRoot { return try await drive.getFile(rootID, fields: Self.fields) }
        guard let parent = path.parent, let parentID = try await folderID(parent, create: false) else { return nil }
        return try await children(of: parentID, named: path.name).first
    }

    /// A folder's ID; with `create`, missing folders on the way are made.
    private func folderID(_ path: RemotePath, create: Bool) async throws -> String? {
        if let id = await folders.cachedID(path) { return id }
        guard let parent = path.parent else { return rootID }
        guard let parentID = try await folderID(parent, create: create) else { return nil }
        let drive = self.drive
        let folders = self.folders
        // In a folder this remote made, only what it put there exists: no lookup, no twin to settle.
        let freeInAFolderMadeHere = await folders.isFree(path.name, in: parent) == true
        return try await folders.id(for: path) {
            if !freeInAFolderMadeHere, let found = try await self.children(of: parentID, named: path.name).first {
                guard found.isFolder else { throw RemoteError(.notAFolder, path, "a file is in the way") }
                await folders.resolved(found, at: path, madeHere: false)
                return found.id
            }
            guard create else { return nil }
            let created = try await self.create(path, in: parentID) { id in
                try await drive.createFolder(named: path.name, in: parentID, id: id, fields: Self.fields)
            } existing: { id in
                File(id: id)  // an earlier attempt of this create succeeded
            }
            guard !freeInAFolderMadeHere else {
                await folders.resolved(created, at: path, madeHere: true)
                return created.id
            }
            return try await self.settle(created, at: path, in: parentID)
        }
    }

    /// Another process (a worker on another machine) may have made the same folder at the same time:
    /// every maker keeps the oldest (by creation time, then ID) and trashes its own empty twin, so all
    /// of them put their files in one folder, the one path lookups find.
    private func settle(_ created: File, at path: RemotePath, in parentID: String) async throws -> String? {
        guard let createdID = created.id else { return nil }
        let oldest = try await children(of: parentID, named: path.name).first { $0.isFolder }
        guard let winner = oldest?.id, winner != createdID else {
            await folders.resolved(oldest ?? created, at: path, madeHere: true)
            return createdID
        }
        _ = try? await drive.trashFile(createdID, fields: .id)
        return winner
    }

    public func entry(at path: RemotePath) async throws -> RemoteEntry? {
        try await file(at: path).map { entry(for: $0, at: path) }
    }

    public func list(_ folder: RemotePath) async throws -> [RemoteEntry] {
        guard let id = try await folderID(folder, create: false) else {
            if let blocking = try await file(at: folder), !blocking.isFolder { throw RemoteError(.notAFolder, folder) }
            throw RemoteError(.notFound, folder)
        }
        var seen: Set<RemotePath> = []
        var entries: [RemoteEntry] = []
        for file in try await children(of: id) {
            // Drive allows duplicate names; the oldest wins, as in `file(at:)`.
            guard let name = file.name, let child = try? folder.appending(name), seen.insert(child).inserted else {
                continue
            }
            if file.isFolder, let childID = file.id { await folders.store(childID, for: child) }
            entries.append(entry(for: file, at: child))
        }
        return entries.sorted { $0.path < $1.path }
    }

    public func makeFolder(_ path: RemotePath) async throws -> RemoteEntry {
        guard let id = try await folderID(path, create: true) else {
            throw RemoteError(.io, path, "the folder could not be made")
        }
        if let known = await folders.resolvedFile(path), known.id == id, known.modifiedTime != nil {
            return entry(for: known, at: path)
        }
        return entry(for: try await drive.getFile(id, fields: Self.fields), at: path)
    }

    public func upload(from localFile: String, to path: RemotePath, modified: Date) async throws -> RemoteEntry {
        try await upload(from: localFile, to: path, modified: modified, expecting: .unknown)
    }

    public func upload(
        from localFile: String,
        to path: RemotePath,
        modified: Date,
        expecting: UploadExpectation
    ) async throws -> RemoteEntry {
        guard let parent = path.parent else { throw RemoteError(.isAFolder, path, "cannot write the root") }
        guard let parentID = try await folderID(parent, create: true) else { throw RemoteError(.notFound, parent) }
        var metadata = File(modifiedTime: modified)
        if expecting == .unknown,
            let file = try await usingRemembered(
                path,
                { _, id in
                    try await drive.uploadFile(
                        at: localFile,
                        metadata: metadata,
                        replacing: id,
                        options: uploadOptions(path)
                    )
                }
            )
        {
            return uploaded(file, at: path)
        }
        if expecting == .unknown, let existing = try await children(of: parentID, named: path.name).first {
            guard !existing.isFolder, let id = existing.id else { throw RemoteError(.isAFolder, path) }
            return uploaded(
                try await drive.uploadFile(
                    at: localFile,
                    metadata: metadata,
                    replacing: id,
                    options: uploadOptions(path)
                ),
                at: path
            )
        }
        metadata.name = path.name
        metadata.parents = [parentID]
        let options = uploadOptions(path)
        let file = try await create(path, in: parentID) { id in
            metadata.id = id
            return try await drive.uploadFile(at: localFile, metadata: metadata, options: options)
        } existing: { id in
            // An earlier run's create landed: its content may be stale, so write this one over it.
            try await drive.uploadFile(
                at: localFile,
                metadata: File(modifiedTime: modified),
                replacing: id,
                options: options
            )
        }
        await folders.placed(path.name, in: parent, fileID: file.id)
        return uploaded(file, at: path)
    }

    /// An uploaded file's entry, its revision kept when this remote pins uploads.
    private func uploaded(_ file: File, at path: RemotePath) -> RemoteEntry {
        var uploaded = entry(for: file, at: path)
        uploaded.revisionKept = pinsUploads && uploaded.revision != nil
        return uploaded
    }

    public func read<Result: Sendable>(
        _ path: RemotePath,
        range: Range<Int64>?,
        _ body: (any AsyncSequence<ByteBuffer, any Error>) async throws -> Result
    ) async throws -> Result {
        guard let file = try await file(at: path) else { throw RemoteError(.notFound, path) }
        guard !file.isFolder else { throw RemoteError(.isAFolder, path) }
        return try await body(drive.download(file, range: range))
    }

    public func move(_ path: RemotePath, to destination: RemotePath) async throws -> RemoteEntry {
        guard let parent = destination.parent, let parentID = try await folderID(parent, create: false) else {
            throw RemoteError(.notFound, destination.parent ?? .root, "the destination folder does not exist")
        }
        let taken: Bool
        switch await folders.isFree(destination.name, in: parent) {
        case .some(let free): taken = !free
        case nil: taken = try await !children(of: parentID, named: destination.name).isEmpty
        }
        guard !taken else { throw RemoteError(.alreadyExists, destination) }
        var rename = File()
        rename.name = destination.name
        let moved = try await withFileID(at: path) { id, oldParents in
            try await drive.updateFile(
                id,
                rename,
                addParents: oldParents.contains(parentID) ? [] : [parentID],
                removeParents: oldParents.contains(parentID) ? [] : oldParents,
                fields: Self.fields
            )
        }
        await folders.invalidate(path)
        await folders.placed(destination.name, in: parent, fileID: moved.isFolder ? nil : moved.id)
        if moved.isFolder, let id = moved.id { await folders.store(id, for: destination) }
        return entry(for: moved, at: destination)
    }

    /// Forgets every folder ID it knew: after changes made by ID, whose paths it cannot tell.
    public func forgetFolders() async { await folders.invalidate(.root) }

    public func remove(_ path: RemotePath, toTrash: Bool) async throws {
        guard !path.isRoot else { throw RemoteError(.permissionDenied, path, "the root cannot be removed") }
        try await withFileID(at: path) { id, _ in
            if toTrash { _ = try await drive.trashFile(id, fields: .id) } else { try await drive.deleteFile(id) }
        }
        await folders.invalidate(path)
    }

    /// Runs `body` with the ID and parents of the item at `path`: a remembered file's first, and when
    /// Drive no longer knows it, what a lookup finds.
    private func withFileID<Result>(
        at path: RemotePath,
        _ body: (_ id: String, _ parents: [String]) async throws -> Result
    ) async throws -> Result {
        if let parent = path.parent, let parentID = await folders.cachedID(parent),
            let result = try await usingRemembered(path, { _, id in try await body(id, [parentID]) })
        {
            return result
        }
        guard let file = try await file(at: path), let id = file.id else { throw RemoteError(.notFound, path) }
        return try await body(id, file.parents ?? [])
    }

    /// `body`'s answer for the file at `path` as the run remembered it (`remember`); `nil` when nothing
    /// is remembered, `body` gives none, or Drive no longer knows the ID (404: it is forgotten), so the
    /// caller looks the path up instead.
    private func usingRemembered<Result>(
        _ path: RemotePath,
        _ body: (_ file: RemoteEntry, _ id: String) async throws -> Result?
    ) async throws -> Result? {
        guard let known = await folders.cachedFile(path), let id = known.id else { return nil }
        do {
            return try await body(known, id)
        } catch let error as DriveAPIError where error.status == 404 {
            await folders.invalidate(path)
            return nil
        }
    }
}

extension DriveFolderRemote: PathCachingRemote {
    public func remember(_ entries: [RemoteEntry]) async { await folders.remember(entries) }
}

extension DriveFolderRemote: ChangeTrackingRemote {
    public func changeCursor() async throws -> String { try await drive.startPageToken() }

    public func changes(since cursor: String) async throws -> (changes: [RemoteChange], next: String) {
        // Only small summaries are kept: a feed can hold every file of a large first sync.
        let fields: Fields =
            "nextPageToken,newStartPageToken,changes(removed,fileId,file(id,name,mimeType,parents,md5Checksum,trashed,size,modifiedTime,headRevisionId))"
        let (changes, next) = try await drive.changes(since: cursor, fields: fields) { change -> RemoteChange? in
            guard let id = change.fileId ?? change.file?.id else { return nil }  // shared-drive changes
            let file = change.file
            return RemoteChange(
                id: id,
                removed: change.removed == true || file?.trashed == true,
                name: file?.name,
                parentIDs: file?.parents ?? [],
                isFolder: file?.isFolder ?? false,
                md5: file?.md5Checksum,
                size: file?.size,
                modified: file?.modifiedTime,
                mimeType: file?.mimeType,
                revision: file?.headRevisionId
            )
        }
        return (changes, next)
    }
}

extension DriveFolderRemote: RevisionKeepingRemote {
    public func pinningUploads() -> DriveFolderRemote {
        var pinning = self
        pinning.pinsUploads = true
        return pinning
    }

    public func pinCurrentRevision(of path: RemotePath) async throws -> PinnedRevision {
        // The run's view of the file names its head revision: pinning it is one call, or none when it
        // was uploaded pinned.
        let pinned = try await usingRemembered(path) { known, id -> PinnedRevision? in
            guard let revision = known.revision else { return nil }
            if !known.revisionKept { _ = try await drive.keepRevisionForever(fileId: id, id: revision) }
            return PinnedRevision(id: revision, md5: known.md5)
        }
        if let pinned { return pinned }
        guard let file = try await file(at: path), let id = file.id else { throw RemoteError(.notFound, path) }
        guard let revision = file.headRevisionId else {
            throw RemoteError(.io, path, "Drive keeps no revisions of this file")
        }
        _ = try await drive.keepRevisionForever(fileId: id, id: revision)
        return PinnedRevision(id: revision, md5: file.md5Checksum)
    }
}
