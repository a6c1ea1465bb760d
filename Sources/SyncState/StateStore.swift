public import DriveSyncCore
import GRDB

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
        return migrator
    }

    struct SyncedItemRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "syncedItem"
        var path: String
        var size: Int64
        var modified: Int64
        var md5: String?
        var remoteId: String?
        var remoteMD5: String?
        var remoteModified: Int64?
        var lastSynced: Int64?

        init(_ item: SyncedItem) {
            path = item.path.description
            size = item.size
            modified = item.modified
            md5 = item.md5
            remoteId = item.remoteId
            remoteMD5 = item.remoteMD5
            remoteModified = item.remoteModified
            lastSynced = item.lastSynced
        }

        var item: SyncedItem? {
            guard let path = try? RemotePath(path) else { return nil }
            return SyncedItem(path: path, size: size, modified: modified, md5: md5, remoteId: remoteId, remoteMD5: remoteMD5, remoteModified: remoteModified, lastSynced: lastSynced)
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

    /// Records a completed transfer and clears its create intent, together.
    public func recordSynced(_ item: SyncedItem) async throws {
        try await writer.write { db in
            try SyncedItemRecord(item).upsert(db)
            _ = try IntentRecord.deleteOne(db, key: item.path.description)
        }
    }

    public func forget(_ path: RemotePath) async throws {
        _ = try await writer.write { db in try SyncedItemRecord.deleteOne(db, key: path.description) }
    }

    // MARK: Changes cursor

    public func cursor(named name: String = "changes") async throws -> String? {
        try await writer.read { db in try CursorRecord.fetchOne(db, key: name)?.value }
    }

    public func setCursor(_ value: String, named name: String = "changes") async throws {
        try await writer.write { db in try CursorRecord(name: name, value: value).upsert(db) }
    }

    // MARK: Create intents

    /// Records that `path` is about to be created remotely as `remoteId` (a pre-generated ID).
    public func recordIntent(path: RemotePath, remoteId: String, at time: Int64) async throws {
        try await writer.write { db in try IntentRecord(path: path.description, remoteId: remoteId, recorded: time).upsert(db) }
    }

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

    public func clearIntent(_ path: RemotePath) async throws {
        _ = try await writer.write { db in try IntentRecord.deleteOne(db, key: path.description) }
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
