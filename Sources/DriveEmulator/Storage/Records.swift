/// The emulator's own records. They are persisted as JSON documents in SQLite and are deliberately not
/// shared with the `DriveAPI` client, so drift between client and server shows up in tests.
struct UserRecord: Codable, Sendable, Equatable {
    var email: String
    var displayName: String
    var permissionId: String
    var rootFolderId: String
    /// The hidden `appDataFolder` of the `appDataFolder` space.
    var appDataFolderId: String?
    /// Bytes the user may store; `nil` is unlimited.
    var storageLimit: Int64?
    /// A service account's registered public key (PEM), for the JWT bearer grant.
    var publicKeyPEM: String?
    var isServiceAccount: Bool = false
}

struct FileRecord: Codable, Sendable, Equatable {
    var id: String
    var name: String
    var mimeType: String
    var parents: [String]
    /// The owning user's email; `nil` for shared-drive items, which the drive owns.
    var owner: String?
    var driveId: String?
    var trashed = false
    var explicitlyTrashed = false
    var trashedTime: Int64?
    var trashingUser: String?
    var createdTime: Int64
    var modifiedTime: Int64
    var modifiedByMeTime: Int64?
    var viewedByMeTime: Int64?
    var version: Int64 = 1
    var description: String?
    var starred = false
    var appProperties: [String: String] = [:]
    var properties: [String: String] = [:]
    var headRevisionId: String?
    var size: Int64?
    var md5Checksum: String?
    /// Computed when a response first asks for them; `nil` until then.
    var sha1Checksum: String?
    var sha256Checksum: String?
    /// Content of the head revision in the blob store.
    var blobId: String?
    var originalFilename: String?
    var shortcutTargetId: String?
    var shortcutTargetMimeType: String?
    /// OAuth clients that created the file: what a `drive.file` token of theirs may see.
    var appIds: [String]?
    var lastModifyingUser: String?
    var writersCanShare = true
    /// Readers and commenters may not download, print or copy (absent in records from before it existed).
    var copyRequiresWriterPermission: Bool?

    /// Whether a user with `role` may read the bytes (download or export).
    func canDownload(as role: Role) -> Bool { copyRequiresWriterPermission != true || role >= .writer }

    var isFolder: Bool { mimeType == MimeType.folder }
    var isShortcut: Bool { mimeType == MimeType.shortcut }
    /// Docs, Sheets, Slides and other editor files: exported, never downloaded.
    var isWorkspaceDocument: Bool { MimeType.isWorkspaceDocument(mimeType) }
}

struct RevisionRecord: Codable, Sendable, Equatable {
    var id: String
    var fileId: String
    var mimeType: String
    var modifiedTime: Int64
    var keepForever: Bool
    var size: Int64
    var md5Checksum: String?
    var blobId: String
    var originalFilename: String?
    var lastModifyingUser: String?
}

struct PermissionRecord: Codable, Sendable, Equatable {
    var id: String
    /// The file, folder or shared drive the permission is on.
    var resourceId: String
    var type: String
    var role: String
    var emailAddress: String?
    var domain: String?
    var allowFileDiscovery: Bool?
    var displayName: String?
}

struct SharedDriveRecord: Codable, Sendable, Equatable {
    var id: String
    var name: String
    var createdTime: Int64
    var requestId: String
    var hidden = false
    var colorRgb: String?
}

struct ChangeRecord: Codable, Sendable, Equatable {
    var sequence: Int64
    var fileId: String?
    var driveId: String?
    var time: Int64
    /// Users who could see the item before or after the change: they are told about it.
    var audience: [String]
}

struct UploadSessionRecord: Codable, Sendable, Equatable {
    var id: String
    var user: String
    /// The file being replaced, or `nil` for a create.
    var targetFileId: String?
    /// The metadata JSON sent when the session was initiated.
    var metadata: String
    /// Query parameters of the initiation (`fields`, `supportsAllDrives`, ...), which govern the final reply.
    var parameters: [String: String]
    var contentType: String
    var totalSize: Int64?
    var received: Int64 = 0
    var createdTime: Int64
    var expired = false
}

struct AccessTokenRecord: Codable, Sendable, Equatable {
    var token: String
    var user: String
    var scopes: [String]
    /// Epoch milliseconds; `nil` never expires (fixed tokens for scripts).
    var expiresAt: Int64?
    var clientId: String?
    var refreshToken: String?
}

struct RefreshTokenRecord: Codable, Sendable, Equatable {
    var token: String
    var user: String
    var scopes: [String]
    var clientId: String?
}

struct ChannelRecord: Codable, Sendable, Equatable {
    enum Resource: String, Codable, Sendable {
        case changes
        case file
    }

    var id: String
    var resourceId: String
    var resourceUri: String
    var token: String?
    var expiration: Int64
    var address: String
    var user: String
    var resource: Resource
    var fileId: String?
    var driveId: String?
    /// Position in the change log when the channel was made (changes channels).
    var pageToken: Int64?
    var includeItemsFromAllDrives = false
    var restrictToMyDrive = false
    var nextMessageNumber: Int64 = 1
    /// The `sync` message has not been delivered yet.
    var pendingSync = true
    /// What the last notification of a file channel saw: its version, trash state, existence.
    var fileVersion: Int64?
    var fileTrashed: Bool?
    var fileExists = true
}

enum MimeType {
    static let folder = "application/vnd.google-apps.folder"
    static let shortcut = "application/vnd.google-apps.shortcut"
    static let document = "application/vnd.google-apps.document"
    static let spreadsheet = "application/vnd.google-apps.spreadsheet"
    static let presentation = "application/vnd.google-apps.presentation"
    static let drawing = "application/vnd.google-apps.drawing"
    static let workspacePrefix = "application/vnd.google-apps."

    static func isWorkspaceDocument(_ mimeType: String) -> Bool {
        mimeType.hasPrefix(workspacePrefix) && mimeType != folder && mimeType != shortcut
    }
}

/// Permission roles, ordered by what they allow.
enum Role: Int, Comparable, Sendable {
    case reader = 1
    case commenter
    case writer
    case fileOrganizer
    case organizer
    case owner

    init?(name: String) {
        switch name {
        case "reader": self = .reader
        case "commenter": self = .commenter
        case "writer": self = .writer
        case "fileOrganizer": self = .fileOrganizer
        case "organizer": self = .organizer
        case "owner": self = .owner
        default: return nil
        }
    }

    var name: String {
        switch self {
        case .reader: "reader"
        case .commenter: "commenter"
        case .writer: "writer"
        case .fileOrganizer: "fileOrganizer"
        case .organizer: "organizer"
        case .owner: "owner"
        }
    }

    static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }
}
