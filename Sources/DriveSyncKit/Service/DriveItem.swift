public import DriveAPI
import DriveSyncCore
import Foundation

/// A file or folder on Drive as applications see it through DriveSync: stable names in snake_case JSON,
/// whatever the Drive API's own names.
public struct DriveItem: Codable, Hashable, Sendable {
    /// File, folder, shortcut, or document (a Google document, sheet, slide or drawing: no bytes of its
    /// own, exported on reading).
    public typealias Kind = RemoteNode.Kind

    public var id: String
    public var name: String
    public var kind: Kind
    public var mimeType: String
    /// Bytes, for files with content.
    public var size: Int64?
    public var md5: String?
    public var modifiedTime: String?
    public var parents: [String]
    /// The version of the content, which changes with every upload.
    public var headRevisionID: String?
    public var trashed: Bool
    /// The path below the listed folder, in tree listings.
    public var path: String?

    enum CodingKeys: String, CodingKey {
        case id, name, kind, size, md5, parents, trashed, path
        case mimeType = "mime_type"
        case modifiedTime = "modified_time"
        case headRevisionID = "head_revision_id"
    }

    public init(_ file: File, path: String? = nil) {
        id = file.id ?? ""
        name = file.name ?? ""
        mimeType = file.mimeType ?? "application/octet-stream"
        kind = file.nodeKind
        size = kind == .file ? file.size ?? 0 : nil
        md5 = file.md5Checksum
        modifiedTime = file.modifiedTime.map(DriveTimestamp.format)
        parents = file.parents ?? []
        headRevisionID = file.headRevisionId
        trashed = file.trashed ?? false
        self.path = path
    }
}
