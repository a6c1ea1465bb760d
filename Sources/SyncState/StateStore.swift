public import DriveSyncCore
import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The sync state of one sync pair in SQLite: what was synced, the remote changes cursor, pending
/// create intents and upload sessions. Each method keeps one invariant in one transaction.
///
/// Open one store per database file per process (GRDB's rule); share it.
public struct StateStore: Sendable {
    private let writer: any DatabaseWriter

    /// Opens (creating and migrating) the state at `path`, or an in-memory state when `path` is `nil`.
    public init(path: String?) throws {
        if let path {
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            writer = try DatabasePool(path: path, configuration: configuration)
        } else {
            writer = try DatabaseQueue()
        }
        try Self.migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "syncedItem") { table in
                table.primaryKey("path", .text)
                table.column("size", .integer).notNull()
                table.column("modified", .integer).notNull()
                table.column("md5", .text)
                table.column("remoteId", .text)
                table.column("remoteMD5", .text)
                table.column("remoteModified", .integer)
                table.column("lastSynced", .integer)
            }
            try db.create(table: "cursor") { table in
                table.primaryKey("name", .text)
                table.column("value", .text).notNull()
            }
            // A create about to happen, with the ID it will use: a killed run finds it and checks the
            // remote instead of creating again.
            try db.create(table: "createIntent") { table in
                table.primaryKey("path", .text)
                table.column("remoteId", .text).notNull()
                table.column("recorded", .integer).notNull()
            }
            try db.create(table: "uploadSession") { table in
                table.primaryKey("key", .text)
                table.column("body", .blob).notNull()
            }
        }
        migrator.registerMigration("v2") { db in
            try db.alter(table: "syncedItem") { table in
                table.add(column: "kind", .text).notNull().defaults(to: RemoteEntry.Kind.file.rawValue)
            }
            try db.create(table: "failedUpload") { table in
                table.primaryKey("path", .text)
                table.column("attempts", .integer).notNull()
                table.column("lastError", .text).notNull()
                table.column("lastAttempt", .integer).notNull()
                table.column("tags", .text).notNull()
                table.column("note", .text)
            }
            try db.create(table: "syncPair") { table in
                table.primaryKey("id", .integer, onConflict: .replace).check { $0 == 1 }
                table.column("source", .text).notNull()
                table.column("destination", .text).notNull()
            }
        }
        migrator.registerMigration("v3") { db in
            try db.alter(table: "syncedItem") { table in table.add(column: "headRevision", .text) }
        }
        // Pulls: the remote tree by ID, so the changes feed can be applied to it without listing.
        migrator.registerMigration("v4") { db in
            try db.create(table: "remoteNode") { table in
                table.primaryKey("id", .text)
                table.column("name", .blob).notNull()  // UTF-8: a Drive name may hold NUL, which SQLite text ends at
                table.column("parents", .text).notNull()
                table.column("mimeType", .text).notNull()
                table.column("size", .integer).notNull()
                table.column("md5", .text)
                table.column("modified", .integer).notNull()
                table.column("created", .integer).notNull()
                table.column("version", .text)
                table.column("shortcutTarget", .text)
                table.column("canDownload", .boolean).notNull()
            }
        }
        return migrator
    }

    struct SyncedItemRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "syncedItem"
        var path: String
        var kind: String
        var size: Int64
        var modified: Int64
        var md5: String?
        var remoteId: String?
        var remoteMD5: String?
        var remoteModified: Int64?
        var headRevision: String?
        var lastSynced: Int64?

        init(_ item: SyncedItem) {
            path = item.path.description
            kind = item.kind.rawValue
            size = item.size
            modified = item.modified
            md5 = item.md5
            remoteId = item.remoteID
            remoteMD5 = item.remoteMD5
            remoteModified = item.remoteModified
            headRevision = item.headRevision
            lastSynced = item.lastSynced
        }

        var item: SyncedItem? {
            guard let path = try? RemotePath(path) else { return nil }
            return SyncedItem(
                path: path,
                kind: RemoteEntry.Kind(rawValue: kind) ?? .file,
                size: size,
                modified: modified,
                md5: md5,
                remoteID: remoteId,
                remoteMD5: remoteMD5,
                remoteModified: remoteModified,
                headRevision: headRevision,
                lastSynced: lastSynced
            )
        }
    }

    struct CursorRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "cursor"
        var name: String
        var value: String
    }

    struct IntentRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "createIntent"
        var path: String
        var remoteId: String
        var recorded: Int64
    }

    struct FailureRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "failedUpload"
        var path: String
        var attempts: Int
        var lastError: String
        var lastAttempt: Int64
        /// Tags joined by newlines (a tag never holds one).
        var tags: String
        var note: String?
    }

    struct PairRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "syncPair"
        var id = 1
        var source: String
        var destination: String
    }

    struct NodeRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "remoteNode"
        var id: String
        var name: Data
        /// Parent IDs joined by newlines (an ID never holds one).
        var parents: String
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

    struct SessionRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "uploadSession"
        var key: String
        var body: [UInt8]
    }

    // MARK: Synced items

    public func syncedItems() async throws -> [SyncedItem] {
        try await writer.read { db in try SyncedItemRecord.order(Column("path")).fetchAll(db).compactMap(\.item) }
    }

    public func syncedItem(at path: RemotePath) async throws -> SyncedItem? {
        try await writer.read { db in try SyncedItemRecord.fetchOne(db, key: path.description)?.item }
    }

    /// Records a completed transfer and clears its create intent and any failure, together.
    public func recordSynced(_ item: SyncedItem) async throws {
        try await writer.write { db in
            try SyncedItemRecord(item).upsert(db)
            _ = try IntentRecord.deleteOne(db, key: item.path.description)
            _ = try FailureRecord.deleteOne(db, key: item.path.description)
        }
    }

    public func forget(_ path: RemotePath) async throws {
        _ = try await writer.write { db in
            try SyncedItemRecord.deleteOne(db, key: path.description)
            try FailureRecord.deleteOne(db, key: path.description)
        }
    }

    /// Forgets everything synced (`drivesync tracker clear`): the next sync compares both sides in full.
    /// Failures, intents and upload sessions are kept: they are still true.
    public func clearSynced() async throws {
        try await writer.write { db in
            _ = try SyncedItemRecord.deleteAll(db)
            _ = try CursorRecord.deleteAll(db)
            _ = try NodeRecord.deleteAll(db)
        }
    }

    // MARK: Failed uploads

    /// Records a failed attempt, counting attempts across runs; returns how many there have been.
    @discardableResult
    public func recordFailure(
        _ path: RemotePath,
        error: String,
        at time: Int64,
        tags: [String],
        note: String?
    ) async throws -> Int {
        try await writer.write { db in
            let attempts = (try FailureRecord.fetchOne(db, key: path.description)?.attempts ?? 0) + 1
            try FailureRecord(
                path: path.description,
                attempts: attempts,
                lastError: error,
                lastAttempt: time,
                tags: tags.joined(separator: "\n"),
                note: note
            ).upsert(db)
            return attempts
        }
    }

    /// Attempts already made for a path (0 when it never failed).
    public func failedAttempts(_ path: RemotePath) async throws -> Int {
        try await writer.read { db in try FailureRecord.fetchOne(db, key: path.description)?.attempts ?? 0 }
    }

    public func failedUploads() async throws -> [FailedUpload] {
        try await writer.read { db in
            try FailureRecord.order(Column("path")).fetchAll(db).compactMap { record in
                guard let path = try? RemotePath(record.path) else { return nil }
                let tags = record.tags.isEmpty ? [] : record.tags.components(separatedBy: "\n")
                return FailedUpload(
                    path: path,
                    attempts: record.attempts,
                    lastError: record.lastError,
                    lastAttempt: record.lastAttempt,
                    tags: tags,
                    note: record.note
                )
            }
        }
    }

    public func clearFailure(_ path: RemotePath) async throws {
        _ = try await writer.write { db in try FailureRecord.deleteOne(db, key: path.description) }
    }

    // MARK: The pair

    public func pair() async throws -> SyncPair? {
        try await writer.read { db in
            try PairRecord.fetchOne(db).map { SyncPair(source: $0.source, destination: $0.destination) }
        }
    }

    public func setPair(_ pair: SyncPair) async throws {
        try await writer.write { db in try PairRecord(source: pair.source, destination: pair.destination).upsert(db) }
    }

    // MARK: Remote tree (pulls)

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
            for node in upserted { try NodeRecord(node).upsert(db) }
            try CursorRecord(name: "changes", value: cursor).upsert(db)
        }
    }

    // MARK: Changes cursor

    public func cursor(named name: String = "changes") async throws -> String? {
        try await writer.read { db in try CursorRecord.fetchOne(db, key: name)?.value }
    }

    public func setCursor(_ value: String, named name: String = "changes") async throws {
        try await writer.write { db in try CursorRecord(name: name, value: value).upsert(db) }
    }

    // MARK: Create intents

    /// Intents a killed run left behind: path to the ID it was creating.
    public func pendingIntents() async throws -> [RemotePath: String] {
        try await writer.read { db in
            var intents: [RemotePath: String] = [:]
            for record in try IntentRecord.fetchAll(db) {
                if let path = try? RemotePath(record.path) { intents[path] = record.remoteId }
            }
            return intents
        }
    }

    /// Clears the intents a finished run no longer needs: all but those of `kept` paths.
    public func clearIntents(except kept: Set<RemotePath>) async throws {
        let keptKeys = kept.map(\.description)
        _ = try await writer.write { db in try IntentRecord.filter(!keptKeys.contains(Column("path"))).deleteAll(db) }
    }

    // MARK: Upload sessions (opaque bodies, stored for the Drive client's session store)

    public func sessionBody(for key: String) async throws -> [UInt8]? {
        try await writer.read { db in try SessionRecord.fetchOne(db, key: key)?.body }
    }

    public func saveSessionBody(_ body: [UInt8], for key: String) async throws {
        try await writer.write { db in try SessionRecord(key: key, body: body).upsert(db) }
    }

    public func removeSessionBody(for key: String) async throws {
        _ = try await writer.write { db in try SessionRecord.deleteOne(db, key: key) }
    }
}

extension StateStore: CreateJournal {
    public func intendedID(for path: RemotePath) async throws -> String? {
        try await writer.read { db in try IntentRecord.fetchOne(db, key: path.description)?.remoteId }
    }

    public func recordIntent(_ id: String, for path: RemotePath) async throws {
        let now = DriveTimestamp.milliseconds(of: Date())
        try await writer.write { db in try IntentRecord(path: path.description, remoteId: id, recorded: now).upsert(db)
        }
    }

    public func clearIntent(for path: RemotePath) async throws {
        _ = try await writer.write { db in try IntentRecord.deleteOne(db, key: path.description) }
    }
}
