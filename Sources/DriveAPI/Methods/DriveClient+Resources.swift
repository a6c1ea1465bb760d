import NIOHTTP1

// changes, channels, about, permissions, shared drives and revisions.
extension DriveClient {
    // MARK: Changes

    /// `changes.getStartPageToken`: the cursor to read future changes from.
    public func startPageToken(driveId: String? = nil) async throws -> String {
        let token = try await call(
            "changes.getStartPageToken",
            .GET,
            "/drive/v3/changes/startPageToken",
            [("driveId", driveId), ("supportsAllDrives", "true")],
            kind: .read,
            as: StartPageToken.self
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
            let page = try await call(
                "changes.list",
                .GET,
                "/drive/v3/changes",
                [
                    ("pageToken", token), ("fields", fields.description), ("pageSize", String(pageSize)),
                    ("driveId", driveId), ("includeRemoved", String(includeRemoved)),
                    ("restrictToMyDrive", restrictToMyDrive ? "true" : nil), ("spaces", spaces),
                    ("supportsAllDrives", "true"), ("includeItemsFromAllDrives", "true"),
                ],
                kind: .read,
                as: ChangeList.self
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
        try await call(
            "changes.watch",
            .POST,
            "/drive/v3/changes/watch",
            [
                ("pageToken", pageToken), ("driveId", driveId), ("supportsAllDrives", "true"),
                ("includeItemsFromAllDrives", "true"),
            ],
            body: channel,
            kind: .write,
            as: Channel.self
        )
    }

    /// `files.watch`: push notifications for one file.
    public func watchFile(_ id: String, channel: Channel) async throws -> Channel {
        try await call(
            "files.watch",
            .POST,
            "/drive/v3/files/\(pathEscaped(id))/watch",
            [("supportsAllDrives", "true")],
            body: channel,
            kind: .write,
            as: Channel.self
        )
    }

    /// `channels.stop`.
    public func stopChannel(id: String, resourceId: String) async throws {
        struct Stop: Encodable {
            var id: String
            var resourceId: String
        }
        try await callWithoutResult(
            "channels.stop",
            .POST,
            "/drive/v3/channels/stop",
            body: Stop(id: id, resourceId: resourceId),
            kind: .write
        )
    }

    // MARK: About

    /// `about.get`; `fields` is required by Drive.
    public func about(
        fields: Fields = "user,storageQuota,maxUploadSize,exportFormats,importFormats,canCreateDrives"
    ) async throws -> About {
        try await call(
            "about.get",
            .GET,
            "/drive/v3/about",
            [("fields", fields.description)],
            kind: .read,
            as: About.self
        )
    }

    // MARK: Permissions

    public func listPermissions(
        fileId: String,
        fields: Fields = "nextPageToken,permissions(id,type,role,emailAddress,domain)"
    ) -> PageSequence<PermissionList> {
        PageSequence { token in
            let page = try await call(
                "permissions.list",
                .GET,
                "/drive/v3/files/\(pathEscaped(fileId))/permissions",
                [("fields", fields.description), ("pageToken", token), ("supportsAllDrives", "true")],
                kind: .read,
                as: PermissionList.self
            )
            return (page, page.nextPageToken)
        }
    }

    public func getPermission(
        fileId: String,
        id: String,
        fields: Fields = "id,type,role,emailAddress,domain"
    ) async throws -> Permission {
        try await call(
            "permissions.get",
            .GET,
            "/drive/v3/files/\(pathEscaped(fileId))/permissions/\(pathEscaped(id))",
            [("fields", fields.description), ("supportsAllDrives", "true")],
            kind: .read,
            as: Permission.self
        )
    }

    /// `permissions.create` (shares a file or folder).
    public func createPermission(
        fileId: String,
        _ permission: Permission,
        sendNotificationEmail: Bool = false,
        fields: Fields = "id,type,role,emailAddress,domain"
    ) async throws -> Permission {
        try await call(
            "permissions.create",
            .POST,
            "/drive/v3/files/\(pathEscaped(fileId))/permissions",
            [
                ("fields", fields.description), ("supportsAllDrives", "true"),
                ("sendNotificationEmail", String(sendNotificationEmail)),
            ],
            body: permission,
            kind: .write,
            as: Permission.self
        )
    }

    public func updatePermission(
        fileId: String,
        id: String,
        role: String,
        fields: Fields = "id,type,role,emailAddress,domain"
    ) async throws -> Permission {
        struct Update: Encodable { var role: String }
        return try await call(
            "permissions.update",
            .PATCH,
            "/drive/v3/files/\(pathEscaped(fileId))/permissions/\(pathEscaped(id))",
            [("fields", fields.description), ("supportsAllDrives", "true")],
            body: Update(role: role),
            kind: .write,
            as: Permission.self
        )
    }

    public func deletePermission(fileId: String, id: String) async throws {
        try await callWithoutResult(
            "permissions.delete",
            .DELETE,
            "/drive/v3/files/\(pathEscaped(fileId))/permissions/\(pathEscaped(id))",
            [("supportsAllDrives", "true")],
            kind: .write
        )
    }

    // MARK: Shared drives

    public func listDrives(
        fields: Fields = "nextPageToken,drives(id,name,createdTime,hidden)",
        pageSize: Int = 100
    ) -> PageSequence<DriveList> {
        PageSequence { token in
            let page = try await call(
                "drives.list",
                .GET,
                "/drive/v3/drives",
                [("fields", fields.description), ("pageToken", token), ("pageSize", String(pageSize))],
                kind: .read,
                as: DriveList.self
            )
            return (page, page.nextPageToken)
        }
    }

    public func getDrive(_ id: String, fields: Fields = "id,name,createdTime,hidden") async throws -> Drive {
        try await call(
            "drives.get",
            .GET,
            "/drive/v3/drives/\(pathEscaped(id))",
            [("fields", fields.description)],
            kind: .read,
            as: Drive.self
        )
    }

    /// `drives.create`. `requestId` makes the call idempotent: a retry after an ambiguous failure gets
    /// 409 (`DriveAPIError.status`) instead of creating a second drive.
    public func createDrive(
        named name: String,
        requestId: String,
        fields: Fields = "id,name,createdTime,hidden"
    ) async throws -> Drive {
        try await call(
            "drives.create",
            .POST,
            "/drive/v3/drives",
            [("requestId", requestId), ("fields", fields.description)],
            body: Drive(name: name),
            kind: .write,
            as: Drive.self
        )
    }

    public func updateDrive(
        _ id: String,
        _ drive: Drive,
        fields: Fields = "id,name,createdTime,hidden"
    ) async throws -> Drive {
        try await call(
            "drives.update",
            .PATCH,
            "/drive/v3/drives/\(pathEscaped(id))",
            [("fields", fields.description)],
            body: drive,
            kind: .write,
            as: Drive.self
        )
    }

    public func deleteDrive(_ id: String) async throws {
        try await callWithoutResult("drives.delete", .DELETE, "/drive/v3/drives/\(pathEscaped(id))", kind: .write)
    }

    // MARK: Revisions

    public func listRevisions(
        fileId: String,
        fields: Fields = "nextPageToken,revisions(id,mimeType,modifiedTime,keepForever,md5Checksum,size)"
    ) -> PageSequence<RevisionList> {
        PageSequence { token in
            let page = try await call(
                "revisions.list",
                .GET,
                "/drive/v3/files/\(pathEscaped(fileId))/revisions",
                [("fields", fields.description), ("pageToken", token), ("pageSize", "1000")],
                kind: .read,
                as: RevisionList.self
            )
            return (page, page.nextPageToken)
        }
    }

    public func getRevision(
        fileId: String,
        id: String,
        fields: Fields = "id,mimeType,modifiedTime,keepForever,md5Checksum,size"
    ) async throws -> Revision {
        try await call(
            "revisions.get",
            .GET,
            "/drive/v3/files/\(pathEscaped(fileId))/revisions/\(pathEscaped(id))",
            [("fields", fields.description)],
            kind: .read,
            as: Revision.self
        )
    }

    /// Pins a revision so Drive keeps it past 30 days / 100 revisions.
    public func keepRevisionForever(fileId: String, id: String, _ keep: Bool = true) async throws -> Revision {
        struct Update: Encodable { var keepForever: Bool }
        return try await call(
            "revisions.update",
            .PATCH,
            "/drive/v3/files/\(pathEscaped(fileId))/revisions/\(pathEscaped(id))",
            [("fields", "id,keepForever,md5Checksum,size,modifiedTime")],
            body: Update(keepForever: keep),
            kind: .write,
            as: Revision.self
        )
    }

    public func deleteRevision(fileId: String, id: String) async throws {
        try await callWithoutResult(
            "revisions.delete",
            .DELETE,
            "/drive/v3/files/\(pathEscaped(fileId))/revisions/\(pathEscaped(id))",
            kind: .write
        )
    }
}
