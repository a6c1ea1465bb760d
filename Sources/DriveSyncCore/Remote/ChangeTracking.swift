#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A remote that can say what changed since a cursor (Drive's changes feed), so a sync need not list
/// the whole tree to learn that nothing did.
public protocol ChangeTrackingRemote: Remote {
    /// The ID of the remote's root folder: changes name their parents by ID.
    var rootID: String { get }
    /// A cursor for changes made from now on.
    func changeCursor() async throws -> String
    /// Every change after `cursor` that the account can see, and the cursor to read from next time.
    func changes(since cursor: String) async throws -> (changes: [RemoteChange], next: String)
}

/// One entry of a changes feed, by ID.
public struct RemoteChange: Hashable, Sendable {
    public var id: String
    /// Deleted, trashed, or no longer visible.
    public var removed: Bool
    public var name: String?
    public var parentIDs: [String]
    public var isFolder: Bool
    public var md5: String?
    /// What a listing would say of it, when the feed gave it: a run can then take the change into its
    /// view of the remote instead of listing.
    public var size: Int64?
    public var modified: Date?
    public var mimeType: String?
    public var revision: String?

    public init(
        id: String,
        removed: Bool,
        name: String? = nil,
        parentIDs: [String] = [],
        isFolder: Bool = false,
        md5: String? = nil,
        size: Int64? = nil,
        modified: Date? = nil,
        mimeType: String? = nil,
        revision: String? = nil
    ) {
        self.id = id
        self.removed = removed
        self.name = name
        self.parentIDs = parentIDs
        self.isFolder = isFolder
        self.md5 = md5
        self.size = size
        self.modified = modified
        self.mimeType = mimeType
        self.revision = revision
    }
}

/// A remote that keeps versions of a file (Drive revisions): a replaced copy can be kept as a pinned
/// revision of the same file instead of a copy in the archive folder.
public protocol RevisionKeepingRemote: Remote {
    /// Pins the current content of `path` so it is never pruned.
    func pinCurrentRevision(of path: RemotePath) async throws -> PinnedRevision
    /// This remote with every upload pinned as it lands: a copy replaced later is already kept, and
    /// pinning it costs no call.
    func pinningUploads() -> Self
}

/// A revision kept forever: its ID and the MD5 of the content it holds, when known.
public struct PinnedRevision: Sendable, Hashable {
    public var id: String
    public var md5: String?

    public init(id: String, md5: String?) {
        self.id = id
        self.md5 = md5
    }
}

/// A remote that resolves paths to IDs one folder level at a time and can be told what a run already
/// knows: its view of the remote (from the sync state when the changes feed stood in for a listing), so
/// paths resolve, and files are moved, removed or pinned by ID, without lookups.
public protocol PathCachingRemote: Remote {
    func remember(_ entries: [RemoteEntry]) async
}
