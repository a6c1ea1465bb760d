public import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An item of a remote whose items have IDs and parents (Drive): what a pull mirrors. Names are the
/// remote's as they are, duplicates, slashes and all; a pull makes them safe locally.
public struct RemoteNode: Hashable, Sendable, Codable {
    /// What an item is, as far as a pull cares; the remote decides from its own types.
    public enum Kind: String, Hashable, Sendable, Codable {
        case file
        case folder
        /// Points at another item (`shortcutTarget`).
        case shortcut
        /// A Google Docs, Sheets, Slides, Drawings (…) file: no bytes of its own, only exports.
        case document
    }

    public var id: String
    public var name: String
    public var parentIDs: [String]
    public var kind: Kind
    /// The remote's content type: what exports are chosen by.
    public var mimeType: String
    public var size: Int64
    public var md5: String?
    /// Modification and creation times, in epoch milliseconds.
    public var modified: Int64
    public var created: Int64
    /// Changes whenever the content does: the head revision of a file, the version of a document.
    public var version: String?
    /// For a shortcut: the ID of what it points to.
    public var shortcutTarget: String?
    /// False when the owner forbids downloads (viewers and commenters of some shared files).
    public var canDownload: Bool

    public init(
        id: String,
        name: String,
        parentIDs: [String],
        kind: Kind = .file,
        mimeType: String,
        size: Int64 = 0,
        md5: String? = nil,
        modified: Int64 = 0,
        created: Int64 = 0,
        version: String? = nil,
        shortcutTarget: String? = nil,
        canDownload: Bool = true
    ) {
        self.id = id
        self.name = name
        self.parentIDs = parentIDs
        self.kind = kind
        self.mimeType = mimeType
        self.size = size
        self.md5 = md5
        self.modified = modified
        self.created = created
        self.version = version
        self.shortcutTarget = shortcutTarget
        self.canDownload = canDownload
    }

    public var isFolder: Bool { kind == .folder }
    public var isShortcut: Bool { kind == .shortcut }
    public var isDocument: Bool { kind == .document }
}

/// One entry of a changes feed with the item as it is now (`nil` when it is gone, trashed or no
/// longer visible).
public struct RemoteNodeChange: Hashable, Sendable {
    public var id: String
    public var node: RemoteNode?

    public init(id: String, node: RemoteNode?) {
        self.id = id
        self.node = node
    }
}

/// A remote a pull can mirror by ID: list below a folder, follow a changes feed, read and export.
public protocol RemoteTree: ChangeTrackingRemote {
    /// Every item below folder `id` (its whole subtree), trashed ones left out, shortcuts not followed.
    func nodes(below id: String) async throws -> [RemoteNode]
    /// One item by ID, or `nil` when it is gone or cannot be seen.
    func node(id: String) async throws -> RemoteNode?
    /// The changes after `cursor`, with current metadata, and the cursor to read from next time.
    func nodeChanges(since cursor: String) async throws -> (changes: [RemoteNodeChange], next: String)
    /// Document type to the formats it exports to (Drive's `about.exportFormats`).
    func exportFormats() async throws -> [String: [String]]
    /// Streams an item's bytes (or `range` of them) to `body`; with `version`, a stream that must resume
    /// fails rather than continue with another version's bytes.
    func read<Result: Sendable>(
        id: String,
        range: Range<Int64>?,
        version: String?,
        _ body: (any AsyncSequence<ByteBuffer, any Error>) async throws -> Result
    ) async throws -> Result
    /// Streams a document exported to `mimeType` to `body`.
    func export<Result: Sendable>(
        id: String,
        as mimeType: String,
        _ body: (any AsyncSequence<ByteBuffer, any Error>) async throws -> Result
    ) async throws -> Result
}
