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
        pageSize: Int = 1000
    ) -> PageSequence<FileList> {
        PageSequence { token in
            let page = try await call(
                "files.list",
                .GET,
                "/drive/v3/files",
                [
                    ("q", query?.description), ("fields", fields.description), ("pageSize", String(pageSize)),
                    ("pageToken", token), ("orderBy", orderBy), ("corpora", scope.corpora), ("driveId", scope.driveId),
                    ("spaces", scope.spaces), ("supportsAllDrives", "true"),
                    ("includeItemsFromAllDrives", scope.includeItemsFromAllDrives ? "true" : nil),
                ],
                kind: .read,
                as: FileList.self
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
        try await call(
            "files.get",
            .GET,
            "/drive/v3/files/\(pathEscaped(id))",
            [("fields", fields.description), ("supportsAllDrives", "true")],
            kind: .read,
            as: File.self
        )
    }

    /// `files.create` with metadata only: folders, shortcuts, empty files, Workspace documents.
    /// Give `metadata.id` from `generateIds` to make a retried create safe.
    public func createFile(_ metadata: File, fields: Fields = .syncFile) async throws -> File {
        try await call(
            "files.create",
            .POST,
            "/drive/v3/files",
            [("fields", fields.description), ("supportsAllDrives", "true")],
            body: metadata,
            kind: .write,
            as: File.self
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
        try await call(
            "files.update",
            .PATCH,
            "/drive/v3/files/\(pathEscaped(id))",
            [
                ("fields", fields.description), ("supportsAllDrives", "true"),
                ("addParents", addParents.isEmpty ? nil : addParents.joined(separator: ",")),
                ("removeParents", removeParents.isEmpty ? nil : removeParents.joined(separator: ",")),
            ],
            body: metadata,
            kind: .write,
            as: File.self
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
        try await call(
            "files.copy",
            .POST,
            "/drive/v3/files/\(pathEscaped(id))/copy",
            [("fields", fields.description), ("supportsAllDrives", "true")],
            body: metadata,
            kind: .write,
            as: File.self
        )
    }

    /// `files.delete`: permanent, skipping the trash.
    public func deleteFile(_ id: String) async throws {
        try await callWithoutResult(
            "files.delete",
            .DELETE,
            "/drive/v3/files/\(pathEscaped(id))",
            [("supportsAllDrives", "true")],
            kind: .write
        )
    }

    /// `files.emptyTrash`, of My Drive or of a shared drive.
    public func emptyTrash(driveId: String? = nil) async throws {
        try await callWithoutResult(
            "files.emptyTrash",
            .DELETE,
            "/drive/v3/files/trash",
            [("driveId", driveId)],
            kind: .write
        )
    }

    /// `files.generateIds`: IDs to create files with, so a retried create cannot make a duplicate.
    public func generateIds(count: Int = 10, space: String = "drive") async throws -> [String] {
        let result = try await call(
            "files.generateIds",
            .GET,
            "/drive/v3/files/generateIds",
            [("count", String(count)), ("space", space)],
            kind: .read,
            as: GeneratedIds.self
        )
        return result.ids ?? []
    }

    /// Escapes an ID for a URL path: IDs are URL-safe, but bad input must not change the path.
    func pathEscaped(_ id: String) -> String { QueryEncoding.percentEncode(id) }
}
