import DriveSyncCore
import HTTPTypes

/// The writable `File` fields of a create, update or copy body.
struct FileMetadataInput: Sendable {
    var id: String?
    var name: String?
    var mimeType: String?
    var parents: [String]?
    var description: String?
    var starred: Bool?
    var trashed: Bool?
    var modifiedTime: Int64?
    var appProperties: [String: String?]?
    var properties: [String: String?]?
    var originalFilename: String?
    var shortcutTargetId: String?
    var writersCanShare: Bool?
    var copyRequiresWriterPermission: Bool?

    init() {}

    init(json: JSONValue?) throws(DriveError) {
        guard let json, json != .null else { return }
        guard case .object = json else { throw .badRequest("Invalid JSON payload received. Expected an object.") }
        id = try Self.string(json, "id")
        name = try Self.string(json, "name")
        mimeType = try Self.string(json, "mimeType")
        description = try Self.string(json, "description")
        originalFilename = try Self.string(json, "originalFilename")
        if let value = json["parents"] {
            guard let array = value.arrayValue else { throw .invalidParameter("parents") }
            parents = try array.map { element throws(DriveError) in
                guard let id = element.stringValue else { throw .invalidParameter("parents") }
                return id
            }
        }
        starred = json["starred"]?.boolValue
        trashed = json["trashed"]?.boolValue
        writersCanShare = json["writersCanShare"]?.boolValue
        copyRequiresWriterPermission = json["copyRequiresWriterPermission"]?.boolValue
        if let text = try Self.string(json, "modifiedTime") {
            guard let milliseconds = DriveTimestamp.parseMilliseconds(text) else {
                throw DriveError(
                    .badRequest,
                    reason: "invalid",
                    message: "Invalid value for: \(text) is not a valid date-time",
                    location: "modifiedTime",
                    locationType: "other"
                )
            }
            modifiedTime = milliseconds
        }
        if let value = json["appProperties"] {
            guard let map = value.stringMap else { throw .invalidParameter("appProperties") }
            appProperties = map
        }
        if let value = json["properties"] {
            guard let map = value.stringMap else { throw .invalidParameter("properties") }
            properties = map
        }
        if let details = json["shortcutDetails"] {
            shortcutTargetId = details["targetId"]?.stringValue
        }
    }

    private static func string(_ json: JSONValue, _ key: String) throws(DriveError) -> String? {
        guard let value = json[key], value != .null else { return nil }
        guard let string = value.stringValue else { throw .invalidParameter(key) }
        return string
    }
}

/// How a call reaches shared drives.
struct SharedDriveAccess: Sendable {
    var supportsAllDrives = false
}

/// Content arriving with a create or update.
struct IncomingContent: Sendable {
    var blob: BlobInfo
    var mimeType: String?
    var keepRevisionForever = false
}

extension DriveState {
    // MARK: Create

    mutating func createFile(
        user: String,
        input: FileMetadataInput,
        content: IncomingContent?,
        scope: SharedDriveAccess,
        journal: inout Journal
    ) throws(DriveError) -> FileRecord {
        let id = try claimableId(input.id)
        let parentIds = (input.parents ?? ["root"]).map { resolve($0, for: user) }
        guard parentIds.count == 1, let parentID = parentIds.first else {
            throw DriveError(
                .forbidden,
                reason: "cannotAddParent",
                message: "Increasing the number of parents is not allowed."
            )
        }
        let parent = try writableFolder(parentID, user: user, scope: scope)
        let driveId = parent.driveId
        let owner = driveId == nil ? user : nil
        if let content { try checkQuota(owner: owner, adding: content.blob.size) }
        if account(user)?.isServiceAccount == true, driveId == nil, content != nil {
            throw .storageQuotaExceeded
        }
        var mimeType = input.mimeType ?? content?.mimeType ?? "application/octet-stream"
        if mimeType.isEmpty { mimeType = "application/octet-stream" }
        var file = FileRecord(
            id: id,
            name: input.name ?? "Untitled",
            mimeType: mimeType,
            parents: [parentID],
            owner: owner,
            driveId: driveId,
            createdTime: now,
            modifiedTime: input.modifiedTime ?? now,
            modifiedByMeTime: input.modifiedTime ?? now,
            viewedByMeTime: now
        )
        file.appIds = RequestApp.creator.map { [$0] }
        file.description = input.description
        file.starred = input.starred ?? false
        file.appProperties = Self.merged([:], input.appProperties)
        file.properties = Self.merged([:], input.properties)
        file.originalFilename = input.originalFilename ?? (content != nil ? input.name : nil)
        file.lastModifyingUser = user
        file.writersCanShare = input.writersCanShare ?? true
        file.copyRequiresWriterPermission = input.copyRequiresWriterPermission
        if file.isShortcut {
            guard let targetId = input.shortcutTargetId, let target = files[targetId], role(of: user, on: target) != nil
            else {
                throw DriveError(
                    .badRequest,
                    reason: "shortcutTargetInvalid",
                    message: "The shortcut target is invalid."
                )
            }
            file.shortcutTargetId = targetId
            file.shortcutTargetMimeType = target.mimeType
        }
        if input.trashed == true {
            file.trashed = true
            file.explicitlyTrashed = true
            file.trashedTime = now
            file.trashingUser = user
        }
        if let content, !file.isFolder, !file.isShortcut {
            attach(content, to: &file, user: user, journal: &journal)
        }
        if input.id != nil {
            issuedIds.remove(id)
            journal.delete(.issuedId, id)
        }
        insert(file, journal: &journal)
        recordChange(fileId: id, audience: audience(of: id), driveId: driveId, journal: &journal)
        return file
    }

    /// A client-chosen ID must come from `generateIds` and be unused.
    private func claimableId(_ requested: String?) throws(DriveError) -> String {
        guard let requested else { return Identifier.fileId() }
        if files[requested] != nil { throw .fileIdInUse }
        guard issuedIds.contains(requested) else {
            throw DriveError(
                .badRequest,
                reason: "invalid",
                message: "The provided file ID is not usable.",
                location: "file.id",
                locationType: "other"
            )
        }
        return requested
    }

    /// A folder the user may add children to.
    func writableFolder(_ id: String, user: String, scope: SharedDriveAccess) throws(DriveError) -> FileRecord {
        let (folder, role) = try accessibleFile(id, user: user, supportsAllDrives: scope.supportsAllDrives)
        guard folder.isFolder else {
            throw DriveError(
                .badRequest,
                reason: "badRequest",
                message: "The specified parent is not a folder.",
                location: "parents",
                locationType: "other"
            )
        }
        guard role >= .writer else { throw .insufficientPermissions(id) }
        return folder
    }

    private mutating func insert(_ file: FileRecord, journal: inout Journal) {
        if let old = files[file.id] {
            for parent in old.parents { children[parent]?.remove(file.id) }
        }
        files[file.id] = file
        for parent in file.parents { children[parent, default: []].insert(file.id) }
        journal.save(.file, file.id, file)
    }

    /// Notes the SHA digests of a file's content, unless the content changed since it was read.
    mutating func recordDigests(_ digests: SHADigests, of read: FileRecord, journal: inout Journal) {
        guard var file = files[read.id], file.blobId == read.blobId else { return }
        file.sha1Checksum = digests.sha1
        file.sha256Checksum = digests.sha256
        files[file.id] = file
        journal.save(.file, file.id, file)
    }

    /// Makes new content the file's head revision.
    private mutating func attach(
        _ content: IncomingContent,
        to file: inout FileRecord,
        user: String,
        journal: inout Journal
    ) {
        let revision = RevisionRecord(
            id: Identifier.random(count: 44),
            fileId: file.id,
            mimeType: file.mimeType,
            modifiedTime: file.modifiedTime,
            keepForever: content.keepRevisionForever,
            size: content.blob.size,
            md5Checksum: file.isWorkspaceDocument ? nil : content.blob.md5,
            blobId: content.blob.blobId,
            originalFilename: file.originalFilename,
            lastModifyingUser: user
        )
        var history = revisions[file.id] ?? []
        history.append(revision)
        // Drive keeps 100 revisions unless pinned; the head always stays.
        while history.count > 100, let index = history.dropLast().firstIndex(where: { !$0.keepForever }) {
            let dropped = history.remove(at: index)
            journal.blobsToRemove.append(dropped.blobId)
            journal.delete(.revision, dropped.id)
        }
        revisions[file.id] = history
        journal.save(.revision, revision.id, revision)
        file.blobId = content.blob.blobId
        file.size = content.blob.size
        // SHA digests are filled in when first asked for (`recordDigests`).
        file.sha1Checksum = nil
        file.sha256Checksum = nil
        if file.isWorkspaceDocument {
            file.headRevisionId = nil
            file.md5Checksum = nil
        } else {
            file.headRevisionId = revision.id
            file.md5Checksum = content.blob.md5
        }
    }

    private static func merged(_ base: [String: String], _ patch: [String: String?]?) -> [String: String] {
        guard let patch else { return base }
        var result = base
        for (key, value) in patch { result[key] = value }
        return result
    }

    // MARK: Update

    mutating func updateFile(
        user: String,
        id rawID: String,
        input: FileMetadataInput,
        addParents: [String],
        removeParents: [String],
        content: IncomingContent?,
        scope: SharedDriveAccess,
        journal: inout Journal
    ) throws(DriveError) -> FileRecord {
        var (file, role) = try accessibleFile(rawID, user: user, supportsAllDrives: scope.supportsAllDrives)
        let onlyPersonalFields =
            content == nil && addParents.isEmpty && removeParents.isEmpty && input.name == nil
            && input.mimeType == nil && input.description == nil && input.trashed == nil && input.modifiedTime == nil
            && input.appProperties == nil && input.properties == nil
        guard role >= .writer || onlyPersonalFields else { throw .insufficientPermissions(rawID) }
        if input.parents != nil {
            throw DriveError(
                .forbidden,
                reason: "fieldNotWritable",
                message: "The resource body includes fields which are not directly writable."
            )
        }
        let audienceBefore = audience(of: file.id)
        // Validate everything before changing anything.
        var newParents = file.parents.filter { !removeParents.map { resolve($0, for: user) }.contains($0) }
        for parent in addParents.map({ resolve($0, for: user) }) where !newParents.contains(parent) {
            let folder = try writableFolder(parent, user: user, scope: scope)
            if folder.id == file.id || ancestry(of: folder.id).contains(file.id) {
                throw .badRequest("A folder cannot be moved into itself or one of its descendants.")
            }
            newParents.append(parent)
        }
        if newParents.count > 1 {
            throw DriveError(
                .forbidden,
                reason: "cannotAddParent",
                message: "Increasing the number of parents is not allowed."
            )
        }
        if newParents.isEmpty {
            throw DriveError(.forbidden, reason: "cannotRemoveParent", message: "A file must have exactly one parent.")
        }
        let newDriveId = newParents.first.flatMap { files[$0]?.driveId }
        if let content { try checkQuota(owner: file.owner, adding: content.blob.size) }

        if newParents != file.parents {
            file.parents = newParents
            if newDriveId != file.driveId { moveSubtree(file.id, toDrive: newDriveId, user: user, journal: &journal) }
            file.driveId = newDriveId
            file.owner = newDriveId == nil ? (file.owner ?? user) : nil
        }
        var touched = content != nil
        if let name = input.name, name != file.name {
            file.name = name
            touched = true
        }
        if let mimeType = input.mimeType { file.mimeType = mimeType }
        if let description = input.description { file.description = description }
        if let starred = input.starred { file.starred = starred }
        if let writersCanShare = input.writersCanShare { file.writersCanShare = writersCanShare }
        if let restricted = input.copyRequiresWriterPermission { file.copyRequiresWriterPermission = restricted }
        if input.appProperties != nil { file.appProperties = Self.merged(file.appProperties, input.appProperties) }
        if input.properties != nil { file.properties = Self.merged(file.properties, input.properties) }
        if let originalFilename = input.originalFilename { file.originalFilename = originalFilename }
        if let modifiedTime = input.modifiedTime {
            file.modifiedTime = modifiedTime
            file.modifiedByMeTime = modifiedTime
        } else if touched {
            file.modifiedTime = now
            file.modifiedByMeTime = now
        }
        if let content, !file.isFolder, !file.isShortcut {
            if let mimeType = content.mimeType, input.mimeType == nil, !file.isWorkspaceDocument {
                file.mimeType = mimeType
            }
            attach(content, to: &file, user: user, journal: &journal)
        }
        if let trashed = input.trashed, trashed != file.explicitlyTrashed {
            setTrashed(&file, trashed, user: user, journal: &journal)
        }
        file.version += 1
        file.lastModifyingUser = user
        insert(file, journal: &journal)
        recordChange(
            fileId: file.id,
            audience: audienceBefore.union(audience(of: file.id)),
            driveId: file.driveId,
            journal: &journal
        )
        return file
    }

    /// Trashing a folder trashes what is inside it (implicitly); restoring it restores them.
    private mutating func setTrashed(_ file: inout FileRecord, _ trashed: Bool, user: String, journal: inout Journal) {
        file.trashed = trashed
        file.explicitlyTrashed = trashed
        file.trashedTime = trashed ? now : nil
        file.trashingUser = trashed ? user : nil
        for id in descendants(of: file.id) {
            guard var child = files[id], !child.explicitlyTrashed else { continue }
            let audienceBefore = audience(of: id)
            child.trashed = trashed
            child.trashedTime = trashed ? now : nil
            child.version += 1
            insert(child, journal: &journal)
            recordChange(fileId: id, audience: audienceBefore, driveId: child.driveId, journal: &journal)
        }
    }

    private mutating func moveSubtree(_ id: String, toDrive driveId: String?, user: String, journal: inout Journal) {
        for child in descendants(of: id) {
            guard var record = files[child] else { continue }
            record.driveId = driveId
            record.owner = driveId == nil ? (record.owner ?? user) : nil
            insert(record, journal: &journal)
        }
    }

    // MARK: Copy

    mutating func copyFile(
        user: String,
        id rawID: String,
        input: FileMetadataInput,
        scope: SharedDriveAccess,
        keepRevisionForever: Bool,
        journal: inout Journal,
        duplicateBlob: (String) throws -> String
    ) throws(DriveError) -> FileRecord {
        let (source, _) = try accessibleFile(rawID, user: user, supportsAllDrives: scope.supportsAllDrives)
        guard !source.isFolder else {
            throw DriveError(.forbidden, reason: "cannotCopyFile", message: "This file cannot be copied by the user.")
        }
        var copyInput = input
        copyInput.name = input.name ?? "Copy of \(source.name)"
        copyInput.mimeType = input.mimeType ?? source.mimeType
        copyInput.parents = input.parents ?? source.parents
        copyInput.description = input.description ?? source.description
        copyInput.appProperties = Self.merged(source.appProperties, input.appProperties).mapValues { Optional($0) }
        copyInput.properties = Self.merged(source.properties, input.properties).mapValues { Optional($0) }
        copyInput.shortcutTargetId = source.shortcutTargetId
        var content: IncomingContent?
        if let blobId = source.blobId {
            let newBlob: String
            do { newBlob = try duplicateBlob(blobId) } catch { throw .backendError }
            content = IncomingContent(
                blob: BlobInfo(
                    blobId: newBlob,
                    size: source.size ?? 0,
                    md5: source.md5Checksum ?? ""
                ),
                mimeType: source.mimeType,
                keepRevisionForever: keepRevisionForever
            )
        }
        do {
            return try createFile(user: user, input: copyInput, content: content, scope: scope, journal: &journal)
        } catch {
            if let content { journal.blobsToRemove.append(content.blob.blobId) }
            throw error
        }
    }

    // MARK: Delete

    mutating func deleteFile(
        user: String,
        id rawID: String,
        scope: SharedDriveAccess,
        journal: inout Journal
    ) throws(DriveError) {
        let (file, role) = try accessibleFile(rawID, user: user, supportsAllDrives: scope.supportsAllDrives)
        let required: Role = file.driveId == nil ? .owner : .organizer
        guard role >= required else { throw .insufficientPermissions(rawID) }
        remove(file.id, journal: &journal)
    }

    /// Permanently removes a file and everything below it, telling everyone who could see them.
    mutating func remove(_ id: String, journal: inout Journal) {
        for target in [id] + descendants(of: id) {
            guard let file = files[target] else { continue }
            let audienceBefore = audience(of: target)
            for parent in file.parents { children[parent]?.remove(target) }
            files[target] = nil
            children[target] = nil
            journal.delete(.file, target)
            for revision in revisions.removeValue(forKey: target) ?? [] {
                journal.blobsToRemove.append(revision.blobId)
                journal.delete(.revision, revision.id)
            }
            if let blobId = file.blobId, file.isWorkspaceDocument { journal.blobsToRemove.append(blobId) }
            for permission in permissions.removeValue(forKey: target) ?? [] {
                journal.delete(.permission, permission.id)
            }
            recordChange(fileId: target, audience: audienceBefore, driveId: file.driveId, journal: &journal)
        }
    }

    mutating func emptyTrash(user: String, driveId: String?, journal: inout Journal) {
        let trashed = files.values.filter { file in
            guard file.explicitlyTrashed else { return false }
            if let driveId { return file.driveId == driveId && (role(of: user, on: file) ?? .reader) >= .organizer }
            return file.owner == user && file.driveId == nil
        }
        for file in trashed.sorted(by: { $0.id < $1.id }) where files[file.id] != nil {
            remove(file.id, journal: &journal)
        }
    }

    // MARK: Changes

    mutating func recordChange(fileId: String?, audience: Set<String>, driveId: String?, journal: inout Journal) {
        let change = ChangeRecord(
            sequence: nextChangeSequence,
            fileId: fileId,
            driveId: driveId,
            time: now,
            audience: audience.sorted()
        )
        changes.append(change)
        if let fileId { latestChange[fileId] = change.sequence }
        journal.save(.change, String(change.sequence), change)
    }
}
