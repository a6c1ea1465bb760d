import DriveSyncCore
import NIOCore
import NIOHTTP1

/// Which files a list searches (`corpora`, `driveId`, `spaces`).
public struct ListScope: Sendable, Hashable {
    public var corpora: String?
    public var driveId: String?
    public var includeItemsFromAllDrives: Bool
    public var spaces: String?

    public init(
        corpora: String? = nil,
        driveId: String? = nil,
        includeItemsFromAllDrives: Bool = true,
        spaces: String? = nil
    ) {
        self.corpora = corpora
        self.driveId = driveId
        self.includeItemsFromAllDrives = includeItemsFromAllDrives
        self.spaces = spaces
    }

    /// My Drive, shared-with-me and shared drives the user belongs to.
    public static let user = ListScope()
    /// One shared drive.
    public static func sharedDrive(_ id: String) -> ListScope { ListScope(corpora: "drive", driveId: id) }
    /// The app's hidden `appDataFolder`.
    public static let appData = ListScope(spaces: "appDataFolder")
}

extension DriveClient {
    /// `files.list`: an async sequence of pages. Keeps paging until Drive stops giving a token, even
    /// after a short page.
    public func listFiles(
        query: Query? = nil,
        fields: Fields = Fields("id,name,mimeType").inFileList(),
        scope: ListScope = .user,
        orderBy: String? = nil,
        pageSize: Int = 1000,
        startingAt pageToken: String? = nil
    ) -> PageSequence<FileList> {
        PageSequence(startingAt: pageToken) { token in
            let page = try await perform(
                try DriveRequest(
                    method: "files.list",
                    verb: .GET,
                    path: "/drive/v3/files",
                    query: [
                        ("q", query?.description), ("fields", fields.description), ("pageSize", String(pageSize)),
                        ("pageToken", token), ("orderBy", orderBy), ("corpora", scope.corpora),
                        ("driveId", scope.driveId),
                        ("spaces", scope.spaces), ("supportsAllDrives", "true"),
                        ("includeItemsFromAllDrives", scope.includeItemsFromAllDrives ? "true" : nil),
                    ],
                    kind: .read
                ),
                decoding: FileList.self
            )
            return (page, page.nextPageToken)
        }
    }

    /// Every file a query matches, all pages.
    public func allFiles(
        query: Query? = nil,
        fields: Fields = "id,name,mimeType",
        scope: ListScope = .user,
        orderBy: String? = nil
    ) async throws -> [File] {
        var files: [File] = []
        for try await page in listFiles(query: query, fields: fields.inFileList(), scope: scope, orderBy: orderBy) {
            files += page.files ?? []
        }
        return files
    }

    /// `files.get` (metadata). `root` names the user's My Drive.
    public func getFile(_ id: String, fields: Fields = .syncFile) async throws -> File {
        try await perform(
            try DriveRequest(
                method: "files.get",
                verb: .GET,
                path: "/drive/v3/files/\(pathEscaped(id))",
                query: [("fields", fields.description), ("supportsAllDrives", "true")],
                kind: .read
            ),
            decoding: File.self
        )
    }

    /// `files.create` with metadata only: folders, shortcuts, empty files, Workspace documents.
    /// Give `metadata.id` from `generateIds` to make a retried create safe.
    public func createFile(_ metadata: File, fields: Fields = .syncFile) async throws -> File {
        try await perform(
            try DriveRequest(
                method: "files.create",
                verb: .POST,
                path: "/drive/v3/files",
                query: [("fields", fields.description), ("supportsAllDrives", "true")],
                json: metadata,
                kind: .write
            ),
            decoding: File.self
        )
    }

    /// A folder, created in `parent`.
    public func createFolder(
        named name: String,
        in parent: String,
        id: String? = nil,
        fields: Fields = .syncFile
    ) async throws -> File {
        try await createFile(File(id: id, name: name, mimeType: File.folderMimeType, parents: [parent]), fields: fields)
    }

    /// `files.update` of metadata; moves with `addParents`/`removeParents`.
    public func updateFile(
        _ id: String,
        _ metadata: File = File(),
        addParents: [String] = [],
        removeParents: [String] = [],
        fields: Fields = .syncFile
    ) async throws -> File {
        try await perform(
            try DriveRequest(
                method: "files.update",
                verb: .PATCH,
                path: "/drive/v3/files/\(pathEscaped(id))",
                query: [
                    ("fields", fields.description), ("supportsAllDrives", "true"),
                    ("addParents", addParents.isEmpty ? nil : addParents.joined(separator: ",")),
                    ("removeParents", removeParents.isEmpty ? nil : removeParents.joined(separator: ",")),
                ],
                json: metadata,
                kind: .write
            ),
            decoding: File.self
        )
    }

    /// Moves a file to the trash (recoverable).
    public func trashFile(_ id: String, fields: Fields = .syncFile) async throws -> File {
        var metadata = File()
        metadata.trashed = true
        return try await updateFile(id, metadata, fields: fields)
    }

    /// Restores a file from the trash.
    public func untrashFile(_ id: String, fields: Fields = .syncFile) async throws -> File {
        var metadata = File()
        metadata.trashed = false
        return try await updateFile(id, metadata, fields: fields)
    }

    /// `files.copy` (server side).
    public func copyFile(_ id: String, _ metadata: File = File(), fields: Fields = .syncFile) async throws -> File {
        try await perform(
            try DriveRequest(
                method: "files.copy",
                verb: .POST,
                path: "/drive/v3/files/\(pathEscaped(id))/copy",
                query: [("fields", fields.description), ("supportsAllDrives", "true")],
                json: metadata,
                kind: .write
            ),
            decoding: File.self
        )
    }

    /// `files.delete`: permanent, skipping the trash.
    public func deleteFile(_ id: String) async throws {
        try await perform(
            try DriveRequest(
                method: "files.delete",
                verb: .DELETE,
                path: "/drive/v3/files/\(pathEscaped(id))",
                query: [("supportsAllDrives", "true")],
                kind: .write
            )
        )
    }

    /// `files.emptyTrash`, of My Drive or of a shared drive.
    public func emptyTrash(driveId: String? = nil) async throws {
        try await perform(
            try DriveRequest(
                method: "files.emptyTrash",
                verb: .DELETE,
                path: "/drive/v3/files/trash",
                query: [("driveId", driveId)],
                kind: .write
            )
        )
    }

    /// `files.generateIds`: IDs to create files with, so a retried create cannot make a duplicate.
    public func generateIds(count: Int = 10, space: String = "drive") async throws -> [String] {
        let result = try await perform(
            try DriveRequest(
                method: "files.generateIds",
                verb: .GET,
                path: "/drive/v3/files/generateIds",
                query: [("count", String(count)), ("space", space)],
                kind: .read
            ),
            decoding: GeneratedIds.self
        )
        return result.ids ?? []
    }

    /// Escapes an ID for a URL path: IDs are URL-safe, but bad input must not change the path.
    func pathEscaped(_ id: String) -> String { QueryEncoding.percentEncode(id) }
}
