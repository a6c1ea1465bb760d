import DriveSyncCore

/// Where the emulator was reached: links it hands out point back there.
struct RequestOrigin: Sendable {
    var scheme: String
    var host: String

    var base: String { "\(scheme)://\(host)" }
}

extension DriveState {
    func renderUser(_ email: String, me: String) -> JSONValue {
        var object = JSONObjectBuilder()
        object.add("kind", "drive#user")
        object.add("displayName", users[email]?.displayName ?? email)
        object.add("me", email == me)
        object.add("permissionId", users[email]?.permissionId ?? email)
        object.add("emailAddress", email)
        return object.value
    }

    /// A file with the fields the emulator knows, in Drive's order: those `selection` names (`nil`: all),
    /// so an answer asking for a few fields does not build permissions and capabilities; `fields` masks
    /// what is inside them afterwards.
    func render(
        _ file: FileRecord,
        for user: String,
        origin: RequestOrigin,
        selecting selection: FieldMask? = nil
    )
        -> JSONValue
    {
        var object = JSONObjectBuilder(selecting: selection)
        object.add("kind", "drive#file")
        object.add("id", file.id)
        object.add("name", file.name)
        object.add("mimeType", file.mimeType)
        object.add("description", file.description)
        object.add("starred", file.starred)
        object.add("trashed", file.trashed)
        object.add("explicitlyTrashed", file.explicitlyTrashed)
        if file.trashed {
            object.add("trashedTime", file.trashedTime.map(DriveTimestamp.format(milliseconds:)))
            object.add("trashingUser", file.trashingUser.map { renderUser($0, me: user) })
        }
        object.add("parents", JSONValue.array(file.parents.map(JSONValue.string)))
        if !file.properties.isEmpty { object.add("properties", map: file.properties) }
        if !file.appProperties.isEmpty { object.add("appProperties", map: file.appProperties) }
        object.add("spaces", JSONValue.array([.string(space(of: file))]))
        object.addInt64("version", file.version)
        if !file.isFolder && !file.isWorkspaceDocument {
            object.add("webContentLink", "\(origin.base)/uc?id=\(file.id)&export=download")
        }
        object.add("webViewLink", "\(origin.base)/file/d/\(file.id)/view")
        object.add("iconLink", "\(origin.base)/icon/\(file.mimeType)")
        object.add("hasThumbnail", false)
        object.add("thumbnailVersion", JSONValue.string("0"))
        object.add("viewedByMe", file.viewedByMeTime != nil)
        object.add("viewedByMeTime", file.viewedByMeTime.map(DriveTimestamp.format(milliseconds:)))
        object.add("createdTime", DriveTimestamp.format(milliseconds: file.createdTime))
        object.add("modifiedTime", DriveTimestamp.format(milliseconds: file.modifiedTime))
        object.add("modifiedByMeTime", file.modifiedByMeTime.map(DriveTimestamp.format(milliseconds:)))
        object.add("modifiedByMe", file.lastModifyingUser == user)
        if let owner = file.owner { object.add("owners", JSONValue.array([renderUser(owner, me: user)])) }
        object.add("lastModifyingUser", file.lastModifyingUser.map { renderUser($0, me: user) })
        object.add("driveId", file.driveId)
        object.add("teamDriveId", file.driveId)
        object.add("shared", !(permissions[file.id] ?? []).isEmpty)
        object.add("ownedByMe", file.owner == user)
        object.add("capabilities", capabilities(of: file, role: role(of: user, on: file) ?? .reader))
        object.add("viewersCanCopyContent", true)
        object.add("copyRequiresWriterPermission", file.copyRequiresWriterPermission ?? false)
        object.add("writersCanShare", file.writersCanShare)
        if file.driveId == nil {
            let rendered = permissionsIncludingOwner(of: file).map(renderPermission)
            object.add("permissions", JSONValue.array(rendered))
            object.add("permissionIds", JSONValue.array(permissionsIncludingOwner(of: file).map { .string($0.id) }))
        }
        object.add("originalFilename", file.originalFilename)
        if !file.isFolder && !file.isWorkspaceDocument && !file.isShortcut {
            let extensionParts = file.name.split(separator: ".", omittingEmptySubsequences: false)
            if extensionParts.count > 1 {
                object.add("fullFileExtension", extensionParts.dropFirst().joined(separator: "."))
                object.add("fileExtension", String(extensionParts.last ?? ""))
            }
            object.add("md5Checksum", file.md5Checksum)
            object.add("sha1Checksum", file.sha1Checksum)
            object.add("sha256Checksum", file.sha256Checksum)
        }
        if !file.isFolder && !file.isShortcut { object.addInt64("size", file.size ?? 0) }
        object.addInt64("quotaBytesUsed", file.isWorkspaceDocument || file.driveId != nil ? 0 : (file.size ?? 0))
        object.add("headRevisionId", file.headRevisionId)
        object.add("isAppAuthorized", true)
        if file.isWorkspaceDocument, let formats = ExportFormats.targets[file.mimeType] {
            let links = formats.map { format in
                JSONMember(
                    format.mimeType,
                    .string(
                        "\(origin.base)/feeds/download/export/Export?id=\(file.id)&exportFormat=\(format.fileExtension)"
                    )
                )
            }
            object.add("exportLinks", JSONValue.object(links))
        }
        if file.isShortcut {
            var details = JSONObjectBuilder()
            details.add("targetId", file.shortcutTargetId)
            details.add("targetMimeType", file.shortcutTargetMimeType)
            object.add("shortcutDetails", details.value)
        }
        return object.value
    }

    func capabilities(of file: FileRecord, role: Role) -> JSONValue {
        let canWrite = role >= .writer
        let inSharedDrive = file.driveId != nil
        let canDelete = inSharedDrive ? role >= .organizer : role == .owner
        let canTrash = inSharedDrive ? role >= .fileOrganizer : role == .owner
        var object = JSONObjectBuilder()
        object.add("canAddChildren", file.isFolder && canWrite)
        object.add("canChangeCopyRequiresWriterPermission", canWrite)
        object.add("canComment", role >= .commenter)
        object.add("canCopy", !file.isFolder && file.canDownload(as: role))
        object.add("canDelete", canDelete)
        object.add("canDownload", file.canDownload(as: role))
        object.add("canEdit", canWrite)
        object.add("canListChildren", file.isFolder)
        object.add("canModifyContent", canWrite)
        object.add("canMoveItemWithinDrive", canWrite)
        object.add("canReadRevisions", canWrite)
        object.add("canRemoveChildren", file.isFolder && canWrite)
        object.add("canRename", canWrite)
        object.add("canShare", canWrite)
        object.add("canTrash", canTrash)
        object.add("canUntrash", canTrash)
        object.add("canReadDrive", inSharedDrive)
        return object.value
    }

    /// The explicit permissions of a file, with the owner's first.
    func permissionsIncludingOwner(of file: FileRecord) -> [PermissionRecord] {
        var result: [PermissionRecord] = []
        if let owner = file.owner {
            result.append(
                PermissionRecord(
                    id: users[owner]?.permissionId ?? owner,
                    resourceId: file.id,
                    type: "user",
                    role: "owner",
                    emailAddress: owner,
                    displayName: users[owner]?.displayName
                )
            )
        }
        return result + (permissions[file.id] ?? [])
    }

    func renderPermission(_ permission: PermissionRecord) -> JSONValue {
        var object = JSONObjectBuilder()
        object.add("kind", "drive#permission")
        object.add("id", permission.id)
        object.add("type", permission.type)
        object.add("role", permission.role)
        object.add("emailAddress", permission.emailAddress)
        object.add("domain", permission.domain)
        object.add("displayName", permission.displayName ?? permission.emailAddress.flatMap { users[$0]?.displayName })
        object.add("allowFileDiscovery", permission.allowFileDiscovery)
        object.add("deleted", false)
        object.add("pendingOwner", false)
        return object.value
    }

    func queryable(_ file: FileRecord, for user: String) -> QueryableFile {
        let explicit = permissions[file.id] ?? []
        func holders(_ roles: Set<String>) -> [String] {
            explicit.filter { roles.contains($0.role) }.compactMap(\.emailAddress)
        }
        let direct = explicit.contains { $0.emailAddress?.lowercased() == user.lowercased() }
        return QueryableFile(
            name: file.name,
            mimeType: file.mimeType,
            fullText: file.description ?? "",
            parents: file.parents,
            owners: file.owner.map { [$0] } ?? [],
            writers: holders(["writer", "fileOrganizer", "organizer"]),
            readers: holders(["reader", "commenter"]),
            trashed: file.trashed,
            starred: file.starred,
            sharedWithMe: file.owner != user && direct,
            modifiedTime: file.modifiedTime,
            createdTime: file.createdTime,
            viewedByMeTime: file.viewedByMeTime,
            visibility: explicit.contains { $0.type == "anyone" } ? "anyoneWithLink" : "limited",
            shortcutTargetId: file.shortcutTargetId,
            appProperties: file.appProperties,
            properties: file.properties
        )
    }
}
