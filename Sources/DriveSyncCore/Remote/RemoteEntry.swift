#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A file or folder as a remote lists it: a value, with the operations on the `Remote`.
public struct RemoteEntry: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, Codable {
        case file
        case folder
    }

    public var path: RemotePath
    public var kind: Kind
    public var size: Int64
    /// Modification time, at the remote's precision.
    public var modified: Date
    /// Lower-case hex MD5 when the remote knows it.
    public var md5: String?
    /// The remote's own identifier (a Drive file ID), when it has one.
    public var id: String?
    public var mimeType: String?
    /// The remote's identifier of this content version (Drive's `headRevisionId`), when it keeps versions.
    public var revision: String?
    /// Whether that version is known to be kept forever (uploaded pinned), so keeping it costs nothing.
    public var revisionKept: Bool

    public init(
        path: RemotePath,
        kind: Kind,
        size: Int64 = 0,
        modified: Date,
        md5: String? = nil,
        id: String? = nil,
        mimeType: String? = nil,
        revision: String? = nil,
        revisionKept: Bool = false
    ) {
        self.path = path
        self.kind = kind
        self.size = size
        self.modified = modified
        self.md5 = md5
        self.id = id
        self.mimeType = mimeType
        self.revision = revision
        self.revisionKept = revisionKept
    }

    public var isFolder: Bool { kind == .folder }
}

/// What a remote can and cannot do, so the engine adapts instead of assuming.
public struct RemoteCapabilities: Hashable, Sendable {
    /// `A.txt` and `a.txt` are the same file.
    public var isCaseInsensitive: Bool
    /// Two entries in one folder may share a name (Drive).
    public var allowsDuplicateNames: Bool
    /// The finest modification time the remote keeps.
    public var modificationTimePrecision: Duration
    /// The remote reports MD5s without reading content.
    public var providesMD5: Bool
    /// Removed entries can go to a trash instead of being deleted.
    public var hasTrash: Bool

    public init(
        isCaseInsensitive: Bool,
        allowsDuplicateNames: Bool,
        modificationTimePrecision: Duration,
        providesMD5: Bool,
        hasTrash: Bool
    ) {
        self.isCaseInsensitive = isCaseInsensitive
        self.allowsDuplicateNames = allowsDuplicateNames
        self.modificationTimePrecision = modificationTimePrecision
        self.providesMD5 = providesMD5
        self.hasTrash = hasTrash
    }
}
