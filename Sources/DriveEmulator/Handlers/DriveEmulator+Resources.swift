import DriveSyncCore
import HTTPTypes
import Hummingbird
import NIOCore

/// changes, about, permissions, revisions and shared drives.
extension DriveEmulator {
    // MARK: Changes

    func startPageToken(_ request: EmulatorRequest, user: String) throws -> Response {
        let token = store.read { $0.nextChangeSequence }
        var object = JSONObjectBuilder()
        object.add("kind", "drive#startPageToken")
        object.add("startPageToken", String(token))
        return try DriveResponse.json(object.value, for: request, schema: "StartPageToken", defaultFields: nil)
    }

    func listChanges(_ request: EmulatorRequest, user: String) async throws -> Response {
        guard let tokenText = request.parameter("pageToken") else { throw DriveError.requiredParameter("pageToken") }
        guard let start = Int64(tokenText), start >= 1 else { throw DriveError.invalidParameter("pageToken") }
        let size = try pageSize(request, default: 100, maximum: 1000)
        let driveId = request.parameter("driveId") ?? request.parameter("teamDriveId")
        let spaces = Set((request.parameter("spaces") ?? "drive").split(separator: ",").map { $0.trimmingSpaces })
        guard !spaces.isEmpty, spaces.isSubset(of: ["drive", "appDataFolder"]) else {
            throw DriveError.invalidParameter("spaces")
        }
        if driveId != nil, !request.supportsAllDrives {
            throw DriveError.invalidParameter("driveId", message: "supportsAllDrives must be true with driveId.")
        }
        let mask = try DriveResponse.fieldMask(
            request,
            schema: "ChangeList",
            defaultFields:
                "kind,nextPageToken,newStartPageToken,changes(kind,changeType,time,removed,fileId,driveId,file(kind,id,name,mimeType))"
        )
        var page = store.read { state in
            state.changes(
                for: user,
                from: start,
                pageSize: size,
                driveId: driveId,
                includeItemsFromAllDrives: request.includeItemsFromAllDrives,
                restrictToMyDrive: request.flag("restrictToMyDrive"),
                includeRemoved: request.flag("includeRemoved", default: true),
                spaces: spaces
            )
        }
        let selection = mask.child("changes").child("file")
        var filled = try await withDigests(page.changes.compactMap(\.file), selecting: selection)[...]
        for index in page.changes.indices where page.changes[index].file != nil {
            page.changes[index].file = filled.popFirst()
        }
        let rendered: JSONValue = store.read { state in
            var object = JSONObjectBuilder()
            object.add("kind", "drive#changeList")
            object.add("nextPageToken", page.nextPageToken.map { String($0) })
            object.add("newStartPageToken", page.newStartPageToken.map { String($0) })
            object.add(
                "changes",
                JSONValue.array(
                    page.changes.map { view in
                        var change = JSONObjectBuilder()
                        change.add("kind", "drive#change")
                        change.add("changeType", "file")
                        change.add("time", DriveTimestamp.format(milliseconds: view.change.time))
                        change.add("removed", view.file == nil)
                        change.add("fileId", view.change.fileId)
                        change.add("driveId", view.change.driveId)
                        change.add("teamDriveId", view.change.driveId)
                        change.add(
                            "file",
                            view.file.map { state.render($0, for: user, origin: request.origin, selecting: selection) }
                        )
                        return change.value
                    }
                )
            )
            return object.value
        }
        return DriveResponse.json(mask.apply(to: rendered), pretty: request.pretty)
    }

    // MARK: About

    func about(_ request: EmulatorRequest, user: String) throws -> Response {
        guard request.parameter("fields") != nil else {
            throw DriveError(
                .badRequest,
                reason: "required",
                message: "The 'fields' parameter is required for this method.",
                location: "fields",
                locationType: "parameter"
            )
        }
        let rendered: JSONValue = store.read { state in
            let usage = state.storageUsage(of: user)
            var quota = JSONObjectBuilder()
            quota.addInt64("limit", state.users[user]?.storageLimit)
            quota.addInt64("usage", usage.total)
            quota.addInt64("usageInDrive", usage.total)
            quota.addInt64("usageInDriveTrash", usage.trash)
            var exportFormats = JSONObjectBuilder()
            for (source, targets) in ExportFormats.targets.sorted(by: { $0.key < $1.key }) {
                exportFormats.add(source, JSONValue.array(targets.map { .string($0.mimeType) }))
            }
            var importFormats = JSONObjectBuilder()
            for (source, targets) in ExportFormats.imports.sorted(by: { $0.key < $1.key }) {
                importFormats.add(source, JSONValue.array(targets.map(JSONValue.string)))
            }
            var object = JSONObjectBuilder()
            object.add("kind", "drive#about")
            object.add("user", state.renderUser(user, me: user))
            object.add("storageQuota", quota.value)
            object.add("importFormats", importFormats.value)
            object.add("exportFormats", exportFormats.value)
            object.add(
                "maxImportSizes",
                JSONValue.object(ExportFormats.targets.keys.sorted().map { JSONMember($0, .string("10485760")) })
            )
            object.addInt64("maxUploadSize", 5_497_558_138_880)
            object.add("appInstalled", false)
            object.add(
                "folderColorPalette",
                JSONValue.array(["#ac725e", "#d06b64", "#f83a22", "#fa573c"].map(JSONValue.string))
            )
            object.add("canCreateDrives", true)
            object.add("canCreateTeamDrives", true)
            return object.value
        }
        return try DriveResponse.json(rendered, for: request, schema: "About", defaultFields: nil)
    }

    // MARK: Permissions

    func listPermissions(_ request: EmulatorRequest, fileId: String, user: String) throws -> Response {
        let rendered: JSONValue = try store.read { state in
            let (file, _) = try state.accessibleFile(fileId, user: user, supportsAllDrives: request.supportsAllDrives)
            var all = state.permissionsIncludingOwner(of: file)
            if let driveId = file.driveId, file.id != driveId { all = (state.permissions[driveId] ?? []) + all }
            var object = JSONObjectBuilder()
            object.add("kind", "drive#permissionList")
            object.add("permissions", JSONValue.array(all.map(state.renderPermission)))
            return object.value
        }
        return try DriveResponse.json(
            rendered,
            for: request,
            schema: "PermissionList",
            defaultFields: "kind,nextPageToken,permissions(id,type,kind,role)"
        )
    }

    func getPermission(_ request: EmulatorRequest, fileId: String, id: String, user: String) throws -> Response {
        let rendered: JSONValue = try store.read { state in
            let (file, _) = try state.accessibleFile(fileId, user: user, supportsAllDrives: request.supportsAllDrives)
            let all =
                state.permissionsIncludingOwner(of: file) + (file.driveId.map { state.permissions[$0] ?? [] } ?? [])
            guard let permission = all.first(where: { $0.id == id }) else {
                throw DriveError.notFound("Permission not found: \(id)", location: "permissionId")
            }
            return state.renderPermission(permission)
        }
        return try DriveResponse.json(rendered, for: request, schema: "Permission", defaultFields: "id,type,kind,role")
    }

    func createPermission(_ request: EmulatorRequest, fileId: String, user: String) async throws -> Response {
        guard let body = try await request.jsonBody() else { throw DriveError.requiredParameter("permission") }
        guard let type = body["type"]?.stringValue, ["user", "group", "domain", "anyone"].contains(type) else {
            throw DriveError(
                .badRequest,
                reason: "required",
                message: "The permission type field is required.",
                location: "permission.type",
                locationType: "other"
            )
        }
        guard let roleName = body["role"]?.stringValue, let role = Role(name: roleName),
            role != .owner || request.flag("transferOwnership")
        else {
            throw DriveError(
                .badRequest,
                reason: "invalid",
                message: "The permission role field is invalid.",
                location: "permission.role",
                locationType: "other"
            )
        }
        let email = body["emailAddress"]?.stringValue
        if type == "user" || type == "group", email == nil {
            throw DriveError(
                .badRequest,
                reason: "required",
                message: "The permission emailAddress field is required.",
                location: "permission.emailAddress",
                locationType: "other"
            )
        }
        let permission = try store.write { state, journal in
            let (file, callerRole) = try state.accessibleFile(
                fileId,
                user: user,
                supportsAllDrives: request.supportsAllDrives
            )
            guard callerRole >= .writer else { throw DriveError.insufficientPermissions(fileId) }
            let audienceBefore = state.audience(of: file.id)
            let record = PermissionRecord(
                id: email.flatMap { state.users[$0]?.permissionId }
                    ?? (type == "anyone" ? "anyoneWithLink" : Identifier.numeric(count: 20)),
                resourceId: file.id,
                type: type,
                role: role.name,
                emailAddress: email,
                domain: body["domain"]?.stringValue,
                allowFileDiscovery: body["allowFileDiscovery"]?.boolValue
            )
            state.permissions[file.id, default: []].removeAll { $0.id == record.id }
            state.permissions[file.id, default: []].append(record)
            journal.save(.permission, record.id + "@" + file.id, record)
            for id in [file.id] + state.descendants(of: file.id) {
                state.recordChange(
                    fileId: id,
                    audience: audienceBefore.union(state.audience(of: id)),
                    driveId: file.driveId,
                    journal: &journal
                )
            }
            return record
        }
        let rendered = store.read { $0.renderPermission(permission) }
        return try DriveResponse.json(rendered, for: request, schema: "Permission", defaultFields: "id,type,kind,role")
    }

    func updatePermission(_ request: EmulatorRequest, fileId: String, id: String, user: String) async throws -> Response
    {
        let body = try await request.jsonBody()
        let permission = try store.write { state, journal in
            let (file, callerRole) = try state.accessibleFile(
                fileId,
                user: user,
                supportsAllDrives: request.supportsAllDrives
            )
            guard callerRole >= .writer else { throw DriveError.insufficientPermissions(fileId) }
            guard var list = state.permissions[file.id], let index = list.firstIndex(where: { $0.id == id }) else {
                throw DriveError.notFound("Permission not found: \(id)", location: "permissionId")
            }
            if let roleName = body?["role"]?.stringValue {
                guard let role = Role(name: roleName), role != .owner else { throw DriveError.invalidParameter("role") }
                list[index].role = role.name
            }
            state.permissions[file.id] = list
            journal.save(.permission, id + "@" + file.id, list[index])
            state.recordChange(
                fileId: file.id,
                audience: state.audience(of: file.id),
                driveId: file.driveId,
                journal: &journal
            )
            return list[index]
        }
        let rendered = store.read { $0.renderPermission(permission) }
        return try DriveResponse.json(rendered, for: request, schema: "Permission", defaultFields: "id,type,kind,role")
    }

    func deletePermission(_ request: EmulatorRequest, fileId: String, id: String, user: String) throws -> Response {
        try store.write { state, journal in
            let (file, callerRole) = try state.accessibleFile(
                fileId,
                user: user,
                supportsAllDrives: request.supportsAllDrives
            )
            guard callerRole >= .writer else { throw DriveError.insufficientPermissions(fileId) }
            guard let permission = state.permissions[file.id]?.first(where: { $0.id == id }) else {
                throw DriveError.notFound("Permission not found: \(id)", location: "permissionId")
            }
            let audienceBefore = state.audience(of: file.id)
            state.permissions[file.id]?.removeAll { $0.id == id }
            journal.delete(.permission, permission.id + "@" + file.id)
            for affected in [file.id] + state.descendants(of: file.id) {
                state.recordChange(fileId: affected, audience: audienceBefore, driveId: file.driveId, journal: &journal)
            }
        }
        return DriveResponse.empty()
    }

    // MARK: Revisions

    private func revisionJSON(_ revision: RevisionRecord, state: DriveState, user: String) -> JSONValue {
        var object = JSONObjectBuilder()
        object.add("kind", "drive#revision")
        object.add("id", revision.id)
        object.add("mimeType", revision.mimeType)
        object.add("modifiedTime", DriveTimestamp.format(milliseconds: revision.modifiedTime))
        object.add("keepForever", revision.keepForever)
        object.add("published", false)
        object.add("lastModifyingUser", revision.lastModifyingUser.map { state.renderUser($0, me: user) })
        object.add("originalFilename", revision.originalFilename)
        object.add("md5Checksum", revision.md5Checksum)
        object.addInt64("size", revision.size)
        return object.value
    }

    private func findRevision(
        _ state: DriveState,
        fileId: String,
        id: String,
        user: String,
        request: EmulatorRequest
    ) throws -> (FileRecord, RevisionRecord) {
        let (file, _) = try state.accessibleFile(fileId, user: user, supportsAllDrives: request.supportsAllDrives)
        let history = state.revisions[file.id] ?? []
        let resolved = id == "head" ? history.last : history.first { $0.id == id }
        guard let revision = resolved else {
            throw DriveError.notFound("Revision not found: \(id)", location: "revisionId")
        }
        return (file, revision)
    }

    func listRevisions(_ request: EmulatorRequest, fileId: String, user: String) throws -> Response {
        let size = try pageSize(request, default: 200, maximum: 1000)
        let offset = try pageOffset(request)
        let rendered: JSONValue = try store.read { state in
            let (file, _) = try state.accessibleFile(fileId, user: user, supportsAllDrives: request.supportsAllDrives)
            let history = state.revisions[file.id] ?? []
            let page = history.dropFirst(offset).prefix(size)
            var object = JSONObjectBuilder()
            object.add("kind", "drive#revisionList")
            if offset + page.count < history.count {
                object.add("nextPageToken", Self.pageToken(offset: offset + page.count))
            }
            object.add("revisions", JSONValue.array(page.map { revisionJSON($0, state: state, user: user) }))
            return object.value
        }
        return try DriveResponse.json(
            rendered,
            for: request,
            schema: "RevisionList",
            defaultFields: "kind,nextPageToken,revisions(id,mimeType,kind,modifiedTime)"
        )
    }

    func getRevision(_ request: EmulatorRequest, fileId: String, id: String, user: String) throws -> Response {
        let (file, revision) = try store.read {
            try findRevision($0, fileId: fileId, id: id, user: user, request: request)
        }
        if request.parameter("alt") == "media" {
            guard !file.isWorkspaceDocument else { throw DriveError.fileNotDownloadable }
            return try media(
                blobId: revision.blobId,
                size: revision.size,
                mimeType: revision.mimeType,
                request: request
            )
        }
        let rendered = store.read { revisionJSON(revision, state: $0, user: user) }
        return try DriveResponse.json(
            rendered,
            for: request,
            schema: "Revision",
            defaultFields: "id,mimeType,kind,modifiedTime"
        )
    }

    func updateRevision(_ request: EmulatorRequest, fileId: String, id: String, user: String) async throws -> Response {
        let body = try await request.jsonBody()
        let updated = try store.write { state, journal in
            var (file, revision) = try findRevision(state, fileId: fileId, id: id, user: user, request: request)
            guard (state.role(of: user, on: file) ?? .reader) >= .writer else {
                throw DriveError.insufficientPermissions(fileId)
            }
            if let keep = body?["keepForever"]?.boolValue {
                if keep, !revision.keepForever, (state.revisions[file.id] ?? []).filter(\.keepForever).count >= 200 {
                    throw DriveError(
                        .forbidden,
                        reason: "revisionsKeepForeverLimit",
                        message: "At most 200 revisions of a file can be kept forever."
                    )
                }
                revision.keepForever = keep
            }
            if let index = state.revisions[file.id]?.firstIndex(where: { $0.id == revision.id }) {
                state.revisions[file.id]?[index] = revision
            }
            journal.save(.revision, revision.id, revision)
            file.version += 1
            return revision
        }
        let rendered = store.read { revisionJSON(updated, state: $0, user: user) }
        return try DriveResponse.json(
            rendered,
            for: request,
            schema: "Revision",
            defaultFields: "id,mimeType,kind,modifiedTime"
        )
    }

    func deleteRevision(_ request: EmulatorRequest, fileId: String, id: String, user: String) throws -> Response {
        try store.write { state, journal in
            let (file, revision) = try findRevision(state, fileId: fileId, id: id, user: user, request: request)
            guard (state.role(of: user, on: file) ?? .reader) >= .writer else {
                throw DriveError.insufficientPermissions(fileId)
            }
            guard state.revisions[file.id]?.last?.id != revision.id else {
                throw DriveError(
                    .badRequest,
                    reason: "cannotDeleteOnlyRevision",
                    message: "The head revision cannot be deleted."
                )
            }
            state.revisions[file.id]?.removeAll { $0.id == revision.id }
            journal.delete(.revision, revision.id)
            journal.blobsToRemove.append(revision.blobId)
        }
        return DriveResponse.empty()
    }

    // MARK: Shared drives

    private func driveJSON(_ drive: SharedDriveRecord, role: Role?) -> JSONValue {
        var object = JSONObjectBuilder()
        object.add("kind", "drive#drive")
        object.add("id", drive.id)
        object.add("name", drive.name)
        object.add("colorRgb", drive.colorRgb ?? "#4986e7")
        object.add("createdTime", DriveTimestamp.format(milliseconds: drive.createdTime))
        object.add("hidden", drive.hidden)
        var capabilities = JSONObjectBuilder()
        capabilities.add("canAddChildren", (role ?? .reader) >= .writer)
        capabilities.add("canManageMembers", (role ?? .reader) >= .organizer)
        capabilities.add("canDeleteDrive", (role ?? .reader) >= .organizer)
        capabilities.add("canRenameDrive", (role ?? .reader) >= .organizer)
        object.add("capabilities", capabilities.value)
        return object.value
    }

    func listDrives(_ request: EmulatorRequest, user: String) throws -> Response {
        let size = try pageSize(request, default: 10, maximum: 100)
        let offset = try pageOffset(request)
        let rendered: JSONValue = store.read { state in
            let visible = state.drives.values.filter { state.driveRole(of: user, driveId: $0.id) != nil }.sorted {
                $0.createdTime < $1.createdTime || ($0.createdTime == $1.createdTime && $0.id < $1.id)
            }
            let page = visible.dropFirst(offset).prefix(size)
            var object = JSONObjectBuilder()
            object.add("kind", "drive#driveList")
            if offset + page.count < visible.count {
                object.add("nextPageToken", Self.pageToken(offset: offset + page.count))
            }
            object.add(
                "drives",
                JSONValue.array(page.map { driveJSON($0, role: state.driveRole(of: user, driveId: $0.id)) })
            )
            return object.value
        }
        return try DriveResponse.json(
            rendered,
            for: request,
            schema: "DriveList",
            defaultFields: "kind,nextPageToken,drives(id,name,kind)"
        )
    }

    func createDrive(_ request: EmulatorRequest, user: String) async throws -> Response {
        guard let requestId = request.parameter("requestId"), !requestId.isEmpty else {
            throw DriveError.requiredParameter("requestId")
        }
        let body = try await request.jsonBody()
        let drive = try store.write { state, journal in
            if state.driveRequests[requestId] != nil {
                throw DriveError(
                    .conflict,
                    reason: "duplicate",
                    message: "A shared drive with this request ID already exists."
                )
            }
            let id = "0A" + Identifier.random(count: 17)
            let drive = SharedDriveRecord(
                id: id,
                name: body?["name"]?.stringValue ?? "Untitled",
                createdTime: state.now,
                requestId: requestId
            )
            state.drives[id] = drive
            state.driveRequests[requestId] = id
            journal.save(.drive, id, drive)
            // The drive's root folder has the drive's ID, as on Drive.
            let root = FileRecord(
                id: id,
                name: drive.name,
                mimeType: MimeType.folder,
                parents: [],
                owner: nil,
                driveId: id,
                createdTime: state.now,
                modifiedTime: state.now
            )
            state.files[id] = root
            journal.save(.file, id, root)
            let organizer = PermissionRecord(
                id: state.users[user]?.permissionId ?? user,
                resourceId: id,
                type: "user",
                role: "organizer",
                emailAddress: user
            )
            state.permissions[id] = [organizer]
            journal.save(.permission, organizer.id + "@" + id, organizer)
            return drive
        }
        return try DriveResponse.json(
            driveJSON(drive, role: .organizer),
            for: request,
            schema: "Drive",
            defaultFields: "id,name,kind"
        )
    }

    func getDrive(_ request: EmulatorRequest, id: String, user: String) throws -> Response {
        let (drive, role) = try store.read { state in
            guard let drive = state.drives[id], let role = state.driveRole(of: user, driveId: id) else {
                throw DriveError.notFound("Shared drive not found: \(id)", location: "driveId")
            }
            return (drive, role)
        }
        return try DriveResponse.json(
            driveJSON(drive, role: role),
            for: request,
            schema: "Drive",
            defaultFields: "id,name,kind"
        )
    }

    func updateDrive(_ request: EmulatorRequest, id: String, user: String) async throws -> Response {
        let body = try await request.jsonBody()
        let drive = try store.write { state, journal in
            guard var drive = state.drives[id], let role = state.driveRole(of: user, driveId: id) else {
                throw DriveError.notFound("Shared drive not found: \(id)", location: "driveId")
            }
            guard role >= .organizer else { throw DriveError.insufficientPermissions(id) }
            if let name = body?["name"]?.stringValue {
                drive.name = name
                state.files[id]?.name = name
                if let root = state.files[id] { journal.save(.file, id, root) }
            }
            if let hidden = body?["hidden"]?.boolValue { drive.hidden = hidden }
            if let color = body?["colorRgb"]?.stringValue { drive.colorRgb = color }
            state.drives[id] = drive
            journal.save(.drive, id, drive)
            return drive
        }
        return try DriveResponse.json(
            driveJSON(drive, role: .organizer),
            for: request,
            schema: "Drive",
            defaultFields: "id,name,kind"
        )
    }

    func deleteDrive(_ request: EmulatorRequest, id: String, user: String) throws -> Response {
        try store.write { state, journal in
            guard let drive = state.drives[id], let role = state.driveRole(of: user, driveId: id) else {
                throw DriveError.notFound("Shared drive not found: \(id)", location: "driveId")
            }
            guard role >= .organizer else { throw DriveError.insufficientPermissions(id) }
            guard (state.children[id] ?? []).isEmpty else {
                throw DriveError(
                    .forbidden,
                    reason: "cannotDeleteResourceWithChildren",
                    message: "The shared drive cannot be deleted because it contains items."
                )
            }
            state.drives[id] = nil
            state.driveRequests[drive.requestId] = nil
            state.files[id] = nil
            journal.delete(.drive, id)
            journal.delete(.file, id)
            for permission in state.permissions.removeValue(forKey: id) ?? [] {
                journal.delete(.permission, permission.id + "@" + id)
            }
        }
        return DriveResponse.empty()
    }
}

extension DriveState {
    /// A user's membership role on a shared drive.
    func driveRole(of user: String, driveId: String) -> Role? {
        guard let root = files[driveId], drives[driveId] != nil else { return nil }
        return role(of: user, on: root)
    }
}
