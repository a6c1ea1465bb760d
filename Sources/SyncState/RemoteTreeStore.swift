public import DriveSyncCore
public import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A pull's remote tree by ID and the changes cursor the feed continues from.
public struct RemoteTreeStore: Sendable {
    let writer: any DatabaseWriter

    /// The store over a migrated state database (`StateDatabase.open`).
    public init(_ writer: any DatabaseWriter) { self.writer = writer }

    public func remoteNodes() async throws -> [RemoteNode] {
        try await writer.read { db in try NodeRecord.fetchAll(db).map(\.node) }
    }

    /// Stores what changed in the remote tree (`nil` for everything: all of `upserted` replaces it) and
    /// the cursor the feed continues from, together: the two always describe the same moment.
    public func updateRemoteNodes(upserted: [RemoteNode], removed: [String]?, cursor: String) async throws {
        try await writer.write { db in
            if let removed {
                for id in removed { _ = try NodeRecord.deleteOne(db, key: id) }
            } else {
                _ = try NodeRecord.deleteAll(db)
            }
            for node in upserted { try NodeRecord(node).insert(db, onConflict: .replace) }
            try CursorRecord(name: "changes", value: cursor).upsert(db)
        }
    }

    public func cursor(named name: String = "changes") async throws -> String? {
        try await writer.read { db in try CursorRecord.fetchOne(db, key: name)?.value }
    }

    public func setCursor(_ value: String, named name: String = "changes") async throws {
        try await writer.write { db in try CursorRecord(name: name, value: value).upsert(db) }
    }
}

struct NodeRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "remoteNode"
    var id: String
    var name: Data
    /// Parent IDs joined by newlines (an ID never holds one).
    var parents: String
    var kind: String
    var mimeType: String
    var size: Int64
    var md5: String?
    var modified: Int64
    var created: Int64
    var version: String?
    var shortcutTarget: String?
    var canDownload: Bool

    init(_ node: RemoteNode) {
        id = node.id
        name = Data(node.name.utf8)
        parents = node.parentIDs.joined(separator: "\n")
        kind = node.kind.rawValue
        mimeType = node.mimeType
        size = node.size
        md5 = node.md5
        modified = node.modified
        created = node.created
        version = node.version
        shortcutTarget = node.shortcutTarget
        canDownload = node.canDownload
    }

    var node: RemoteNode {
        RemoteNode(
            id: id,
            name: String(decoding: name, as: UTF8.self),
            parentIDs: parents.isEmpty ? [] : parents.components(separatedBy: "\n"),
            kind: RemoteNode.Kind(rawValue: kind) ?? .file,
            mimeType: mimeType,
            size: size,
            md5: md5,
            modified: modified,
            created: created,
            version: version,
            shortcutTarget: shortcutTarget,
            canDownload: canDownload
        )
    }
}

struct CursorRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "cursor"
    var name: String
    var value: String
}
