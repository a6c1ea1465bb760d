import DriveSyncCore
import NIOHTTP1

// changes, channels, about, permissions, shared drives and revisions.
extension DriveClient {
    // MARK: Changes

    /// `changes.getStartPageToken`: the cursor to read future changes from.
    public func startPageToken(driveId: String? = nil) async throws -> String {
        let token = try await perform(
            try DriveRequest(
                method: "changes.getStartPageToken",
                verb: .GET,
                path: "/drive/v3/changes/startPageToken",
                query: [("driveId", driveId), ("supportsAllDrives", "true")],
                kind: .read
            ),
            decoding: StartPageToken.self
        )
        guard let value = token.startPageToken else {
            throw DriveAPIError(
                code: .invalidResponse,
                message: "no startPageToken in the answer",
                method: "changes.getStartPageToken"
            )
        }
        return value
    }

    /// `changes.list` from a cursor: pages until the last, which carries `newStartPageToken`
    /// (persist it as the next cursor).
    public func listChanges(
        from pageToken: String,
        fields: Fields = .changePage,
        driveId: String? = nil,
        includeRemoved: Bool = true,
        restrictToMyDrive: Bool = false,
        spaces: String? = nil,
        pageSize: Int = 1000
    ) -> PageSequence<ChangeList> {
        PageSequence(startingAt: pageToken) { token in
            let page = try await perform(
                try DriveRequest(
                    method: "changes.list",
                    verb: .GET,
                    path: "/drive/v3/changes",
                    query: [
                        ("pageToken", token), ("fields", fields.description), ("pageSize", String(pageSize)),
                        ("driveId", driveId), ("includeRemoved", String(includeRemoved)),
                        ("restrictToMyDrive", restrictToMyDrive ? "true" : nil), ("spaces", spaces),
                        ("supportsAllDrives", "true"), ("includeItemsFromAllDrives", "true"),
                    ],
                    kind: .read
                ),
                decoding: ChangeList.self
            )
            return (page, page.nextPageToken)
        }
    }

    /// Every change since a cursor, and the cursor to use next time.
    public func changes(
        since pageToken: String,
        driveId: String? = nil
    ) async throws -> (changes: [Change], newStartPageToken: String) {
        try await changes(since: pageToken, driveId: driveId) { $0 }
    }

    /// Every change since a cursor, each reduced by `summarize` as its page arrives (`nil` drops it), so
    /// a long feed is never held whole; and the cursor to use next time.
    public func changes<Summary>(
        since pageToken: String,
        fields: Fields = .changePage,
        driveId: String? = nil,
        summarize: (Change) -> Summary?
    ) async throws -> (changes: [Summary], newStartPageToken: String) {
        var changes: [Summary] = []
        var newStart: String?
        for try await page in listChanges(from: pageToken, fields: fields, driveId: driveId) {
            changes += (page.changes ?? []).compactMap(summarize)
            newStart = page.newStartPageToken ?? newStart
        }
        guard let newStart else {
            throw DriveAPIError(
                code: .invalidResponse,
                message: "the last changes page had no newStartPageToken",
                method: "changes.list"
            )
        }
        return (changes, newStart)
    }

    /// `changes.watch`: push notifications for changes after `pageToken`.
    public func watchChanges(from pageToken: String, channel: Channel, driveId: String? = nil) async throws -> Channel {
        try await perform(
            try DriveRequest(
                method: "changes.watch",
                verb: .POST,
                path: "/drive/v3/changes/watch",
                query: [
                    ("pageToken", pageToken), ("driveId", driveId), ("supportsAllDrives", "true"),
                    ("includeItemsFromAllDrives", "true"),
                ],
                json: channel,
                kind: .write
            ),
            decoding: Channel.self
        )
    }

    /// `files.watch`: push notifications for one file.
    public func watchFile(_ id: String, channel: Channel) async throws -> Channel {
        try await perform(
            try DriveRequest(
                method: "files.watch",
                verb: .POST,
                path: "/drive/v3/files/\(pathEscaped(id))/watch",
                query: [("supportsAllDrives", "true")],
                json: channel,
                kind: .write
            ),
            decoding: Channel.self
        )
    }

    /// `channels.stop`.
    public func stopChannel(id: String, resourceId: String) async throws {
        struct Stop: Encodable {
            var id: String
            var resourceId: String
        }
        try await perform(
            try DriveRequest(
                method: "channels.stop",
                verb: .POST,
                path: "/drive/v3/channels/stop",
                json: Stop(id: id, resourceId: resourceId),
                kind: .write
            )
        )
    }

    // MARK: About

    /// `about.get`; `fields` is required by Drive.
    public func about(
        fields: Fields = "user,storageQuota,maxUploadSize,exportFormats,importFormats,canCreateDrives"
    ) async throws -> About {
        try await perform(
            try DriveRequest(
                method: "about.get",
                verb: .GET,
                path: "/drive/v3/about",
                query: [("fields", fields.description)],
                kind: .read
            ),
            decoding: About.self
        )
    }

    // MARK: Permissions

    public func listPermissions(
        fileId: String,
        fields: Fields = "nextPageToken,permissions(id,type,role,emailAddress,domain)"
    ) -> PageSequence<PermissionList> {
        PageSequence { token in
            let page = try await perform(
                try DriveRequest(
                    method: "permissions.list",
                    verb: .GET,
                    path: "/drive/v3/files/\(pathEscaped(fileId))/permissions",
                    query: [("fields", fields.description), ("pageToken", token), ("supportsAllDrives", "true")],
                    kind: .read
                ),
                decoding: PermissionList.self
            )
            return (page, page.nextPageToken)
        }
    }

    public func getPermission(
        fileId: String,
        id: String,
        fields: Fields = "id,type,role,emailAddress,domain"
    ) async throws -> Permission {
        try await perform(
            try DriveRequest(
                method: "permissions.get",
                verb: .GET,
                path: "/drive/v3/files/\(pathEscaped(fileId))/permissions/\(pathEscaped(id))",
                query: [("fields", fields.description), ("supportsAllDrives", "true")],
                kind: .read
            ),
            decoding: Permission.self
        )
    }

    /// `permissions.create` (shares a file or folder).
    public func createPermission(
        fileId: String,
        _ permission: Permission,
        sendNotificationEmail: Bool = false,
        fields: Fields = "id,type,role,emailAddress,domain"
    ) async throws -> Permission {
        try await perform(
            try DriveRequest(
                method: "permissions.create",
                verb: .POST,
                path: "/drive/v3/files/\(pathEscaped(fileId))/permissions",
                query: [
                    ("fields", fields.description), ("supportsAllDrives", "true"),
                    ("sendNotificationEmail", String(sendNotificationEmail)),
                ],
                json: permission,
                kind: .write
            ),
            decoding: Permission.self
        )
    }

    public func updatePermission(
        fileId: String,
        id: String,
        role: String,
        fields: Fields = "id,type,role,emailAddress,domain"
    ) async throws -> Permission {
        struct Update: Encodable { var role: String }
        return try await perform(
            try DriveRequest(
                method: "permissions.update",
                verb: .PATCH,
                path: "/drive/v3/files/\(pathEscaped(fileId))/permissions/\(pathEscaped(id))",
                query: [("fields", fields.description), ("supportsAllDrives", "true")],
                json: Update(role: role),
                kind: .write
            ),
            decoding: Permission.self
        )
    }

    public func deletePermission(fileId: String, id: String) async throws {
        try await perform(
            try DriveRequest(
                method: "permissions.delete",
                verb: .DELETE,
                path: "/drive/v3/files/\(pathEscaped(fileId))/permissions/\(pathEscaped(id))",
                query: [("supportsAllDrives", "true")],
                kind: .write
            )
        )
    }

    // MARK: Shared drives

    public func listDrives(
        fields: Fields = "nextPageToken,drives(id,name,createdTime,hidden)",
        pageSize: Int = 100
    ) -> PageSequence<DriveList> {
        PageSequence { token in
            let page = try await perform(
                try DriveRequest(
                    method: "drives.list",
                    verb: .GET,
                    path: "/drive/v3/drives",
                    query: [("fields", fields.description), ("pageToken", token), ("pageSize", String(pageSize))],
                    kind: .read
                ),
                decoding: DriveList.self
            )
            return (page, page.nextPageToken)
        }
    }

    public func getDrive(_ id: String, fields: Fields = "id,name,createdTime,hidden") async throws -> Drive {
        try await perform(
            try DriveRequest(
                method: "drives.get",
                verb: .GET,
                path: "/drive/v3/drives/\(pathEscaped(id))",
                query: [("fields", fields.description)],
                kind: .read
            ),
            decoding: Drive.self
        )
    }

    /// `drives.create`. `requestId` makes the call idempotent: a retry after an ambiguous failure gets
    /// 409 (`DriveAPIError.status`) instead of creating a second drive.
    public func createDrive(
        named name: String,
        requestId: String,
        fields: Fields = "id,name,createdTime,hidden"
    ) async throws -> Drive {
        try await perform(
            try DriveRequest(
                method: "drives.create",
                verb: .POST,
                path: "/drive/v3/drives",
                query: [("requestId", requestId), ("fields", fields.description)],
                json: Drive(name: name),
                kind: .write
            ),
            decoding: Drive.self
        )
    }

    public func updateDrive(
        _ id: String,
        _ drive: Drive,
        fields: Fields = "id,name,createdTime,hidden"
    ) async throws -> Drive {
        try await perform(
            try DriveRequest(
                method: "drives.update",
                verb: .PATCH,
                path: "/drive/v3/drives/\(pathEscaped(id))",
                query: [("fields", fields.description)],
                json: drive,
                kind: .write
            ),
            decoding: Drive.self
        )
    }

    public func deleteDrive(_ id: String) async throws {
        try await perform(
            try DriveRequest(
                method: "drives.delete",
                verb: .DELETE,
                path: "/drive/v3/drives/\(pathEscaped(id))",
                kind: .write
            )
        )
    }

    // MARK: Revisions

    public func listRevisions(
        fileId: String,
        fields: Fields = "nextPageToken,revisions(id,mimeType,modifiedTime,keepForever,md5Checksum,size)"
    ) -> PageSequence<RevisionList> {
        PageSequence { token in
            let page = try await perform(
                try DriveRequest(
                    method: "revisions.list",
                    verb: .GET,
                    path: "/drive/v3/files/\(pathEscaped(fileId))/revisions",
                    query: [("fields", fields.description), ("pageToken", token), ("pageSize", "1000")],
                    kind: .read
                ),
                decoding: RevisionList.self
            )
            return (page, page.nextPageToken)
        }
    }

    public func getRevision(
        fileId: String,
        id: String,
        fields: Fields = "id,mimeType,modifiedTime,keepForever,md5Checksum,size"
    ) async throws -> Revision {
        try await perform(
            try DriveRequest(
                method: "revisions.get",
                verb: .GET,
                path: "/drive/v3/files/\(pathEscaped(fileId))/revisions/\(pathEscaped(id))",
                query: [("fields", fields.description)],
                kind: .read
            ),
            decoding: Revision.self
        )
    }

    /// Pins a revision so Drive keeps it past 30 days / 100 revisions.
    public func keepRevisionForever(fileId: String, id: String, _ keep: Bool = true) async throws -> Revision {
        struct Update: Encodable { var keepForever: Bool }
        return try await perform(
            try DriveRequest(
                method: "revisions.update",
                verb: .PATCH,
                path: "/drive/v3/files/\(pathEscaped(fileId))/revisions/\(pathEscaped(id))",
                query: [("fields", "id,keepForever,md5Checksum,size,modifiedTime")],
                json: Update(keepForever: keep),
                kind: .write
            ),
            decoding: Revision.self
        )
    }

    public func deleteRevision(fileId: String, id: String) async throws {
        try await perform(
            try DriveRequest(
                method: "revisions.delete",
                verb: .DELETE,
                path: "/drive/v3/files/\(pathEscaped(fileId))/revisions/\(pathEscaped(id))",
                kind: .write
            )
        )
    }
}
