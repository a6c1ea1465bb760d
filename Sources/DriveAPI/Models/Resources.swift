public import DriveSyncCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

// Drive v3 resources, named as the discovery document names them. Every field is optional: responses
// carry only what `fields` selected, and request bodies send only what is set. Unknown fields are ignored.

/// `drive#user`.
public struct User: Codable, Hashable, Sendable {
    public var displayName: String?
    public var emailAddress: String?
    public var permissionId: String?
    public var me: Bool?
    public var photoLink: String?
}

/// `drive#file`.
public struct File: Codable, Hashable, Sendable {
    public struct Capabilities: Codable, Hashable, Sendable {
        public var canAddChildren: Bool?
        public var canDelete: Bool?
        public var canDownload: Bool?
        public var canEdit: Bool?
        public var canListChildren: Bool?
        public var canModifyContent: Bool?
        public var canRename: Bool?
        public var canShare: Bool?
        public var canTrash: Bool?
        public var canUntrash: Bool?
        public var canReadRevisions: Bool?
    }

    public struct ShortcutDetails: Codable, Hashable, Sendable {
        public var targetId: String?
        public var targetMimeType: String?
        public var targetResourceKey: String?

        public init(targetId: String? = nil) { self.targetId = targetId }
    }

    public var kind: String?
    public var id: String?
    public var name: String?
    public var mimeType: String?
    public var description: String?
    public var parents: [String]?
    public var starred: Bool?
    public var trashed: Bool?
    public var explicitlyTrashed: Bool?
    public var trashedTime: Date?
    public var createdTime: Date?
    public var modifiedTime: Date?
    public var modifiedByMeTime: Date?
    public var viewedByMeTime: Date?
    @Int64String public var size: Int64?
    @Int64String public var version: Int64?
    @Int64String public var quotaBytesUsed: Int64?
    public var md5Checksum: String?
    public var sha1Checksum: String?
    public var sha256Checksum: String?
    public var headRevisionId: String?
    public var originalFilename: String?
    public var fullFileExtension: String?
    public var fileExtension: String?
    public var appProperties: [String: String]?
    public var properties: [String: String]?
    public var driveId: String?
    public var spaces: [String]?
    public var ownedByMe: Bool?
    public var shared: Bool?
    public var owners: [User]?
    public var lastModifyingUser: User?
    public var capabilities: Capabilities?
    public var exportLinks: [String: String]?
    public var shortcutDetails: ShortcutDetails?
    public var webViewLink: String?
    public var webContentLink: String?
    public var resourceKey: String?
    public var writersCanShare: Bool?
    public var copyRequiresWriterPermission: Bool?

    public init(
        id: String? = nil,
        name: String? = nil,
        mimeType: String? = nil,
        parents: [String]? = nil,
        modifiedTime: Date? = nil,
        appProperties: [String: String]? = nil
    ) {
        self.id = id
        self.name = name
        self.mimeType = mimeType
        self.parents = parents
        self.modifiedTime = modifiedTime
        self.appProperties = appProperties
    }

    public static let folderMimeType = "application/vnd.google-apps.folder"
    public static let shortcutMimeType = "application/vnd.google-apps.shortcut"

    public var isFolder: Bool { mimeType == Self.folderMimeType }
    /// Docs, Sheets, Slides and other editor files, which export instead of downloading.
    public var isWorkspaceDocument: Bool {
        (mimeType?.hasPrefix("application/vnd.google-apps.") ?? false) && !isFolder && mimeType != Self.shortcutMimeType
    }

    /// What the file is, in the vocabulary remotes share.
    public var nodeKind: RemoteNode.Kind {
        isFolder ? .folder : mimeType == Self.shortcutMimeType ? .shortcut : isWorkspaceDocument ? .document : .file
    }
}

/// `drive#fileList`.
public struct FileList: Codable, Hashable, Sendable {
    public var kind: String?
    public var nextPageToken: String?
    public var incompleteSearch: Bool?
    public var files: [File]?
}

/// `drive#change`.
public struct Change: Codable, Hashable, Sendable {
    public var kind: String?
    public var changeType: String?
    public var time: Date?
    public var removed: Bool?
    public var fileId: String?
    public var file: File?
    public var driveId: String?
    public var drive: Drive?
}

/// `drive#changeList`.
public struct ChangeList: Codable, Hashable, Sendable {
    public var kind: String?
    public var nextPageToken: String?
    public var newStartPageToken: String?
    public var changes: [Change]?
}

/// `drive#startPageToken`.
public struct StartPageToken: Codable, Hashable, Sendable {
    public var kind: String?
    public var startPageToken: String?
}

/// `api#channel`: a push-notification channel.
public struct Channel: Codable, Hashable, Sendable {
    public var kind: String?
    public var id: String?
    public var resourceId: String?
    public var resourceUri: String?
    public var token: String?
    /// Milliseconds since the epoch.
    @Int64String public var expiration: Int64?
    public var type: String?
    public var address: String?

    public init(id: String, address: String, token: String? = nil, expiration: Int64? = nil) {
        self.id = id
        self.type = "web_hook"
        self.address = address
        self.token = token
        self.expiration = expiration
    }
}

/// `drive#about`.
public struct About: Codable, Hashable, Sendable {
    public struct StorageQuota: Codable, Hashable, Sendable {
        @Int64String public var limit: Int64?
        @Int64String public var usage: Int64?
        @Int64String public var usageInDrive: Int64?
        @Int64String public var usageInDriveTrash: Int64?
    }

    public var kind: String?
    public var user: User?
    public var storageQuota: StorageQuota?
    public var exportFormats: [String: [String]]?
    public var importFormats: [String: [String]]?
    @Int64String public var maxUploadSize: Int64?
    public var maxImportSizes: [String: String]?
    public var canCreateDrives: Bool?
}

/// `drive#permission`.
public struct Permission: Codable, Hashable, Sendable {
    public var kind: String?
    public var id: String?
    public var type: String?
    public var role: String?
    public var emailAddress: String?
    public var domain: String?
    public var displayName: String?
    public var allowFileDiscovery: Bool?

    public init(type: String, role: String, emailAddress: String? = nil, domain: String? = nil) {
        self.type = type
        self.role = role
        self.emailAddress = emailAddress
        self.domain = domain
    }
}

/// `drive#permissionList`.
public struct PermissionList: Codable, Hashable, Sendable {
    public var kind: String?
    public var nextPageToken: String?
    public var permissions: [Permission]?
}

/// `drive#drive`: a shared drive.
public struct Drive: Codable, Hashable, Sendable {
    public var kind: String?
    public var id: String?
    public var name: String?
    public var colorRgb: String?
    public var createdTime: Date?
    public var hidden: Bool?

    public init(name: String) { self.name = name }
}

/// `drive#driveList`.
public struct DriveList: Codable, Hashable, Sendable {
    public var kind: String?
    public var nextPageToken: String?
    public var drives: [Drive]?
}

/// `drive#revision`.
public struct Revision: Codable, Hashable, Sendable {
    public var kind: String?
    public var id: String?
    public var mimeType: String?
    public var modifiedTime: Date?
    public var keepForever: Bool?
    public var md5Checksum: String?
    @Int64String public var size: Int64?
    public var originalFilename: String?
    public var lastModifyingUser: User?
    public var exportLinks: [String: String]?
}

/// `drive#revisionList`.
public struct RevisionList: Codable, Hashable, Sendable {
    public var kind: String?
    public var nextPageToken: String?
    public var revisions: [Revision]?
}

/// `drive#generatedIds`.
public struct GeneratedIds: Codable, Hashable, Sendable {
    public var kind: String?
    public var space: String?
    public var ids: [String]?
}
