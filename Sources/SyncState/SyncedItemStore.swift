public import DriveSyncCore
public import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the last syncs and pulls recorded, file by file and folder by folder.
public struct SyncedItemStore: Sendable {
    let writer: any DatabaseWriter

    /// The store over a migrated state database (`StateDatabase.open`).
    public init(_ writer: any DatabaseWriter) { self.writer = writer }

    public func syncedItems() async throws -> [SyncedItem] {
        try await writer.read { db in
            var items: [SyncedItem] = []
            items.reserveCapacity(try SyncedItemRecord.fetchCount(db))  // read whole each run: no regrowth
            let records = try SyncedItemRecord.order(Column("path")).fetchCursor(db)
            while let record = try records.next() { if let item = record.item { items.append(item) } }
            return items
        }
    }

    public func syncedItem(at path: RemotePath) async throws -> SyncedItem? {
        try await writer.read { db in try SyncedItemRecord.fetchOne(db, key: path.description)?.item }
    }

    /// Records a completed transfer and clears its create intent and any failure, together.
    public func recordSynced(_ item: SyncedItem) async throws {
        try await writer.write { db in
            try SyncedItemRecord(item).replace(in: db)
            try db.deleteRow(in: IntentRecord.databaseTableName, path: item.path.description)
            try db.deleteRow(in: FailureRecord.databaseTableName, path: item.path.description)
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
}

/// A state row. Read and written column by column: a sync reads every row each run and writes one per
/// file it transfers, and Codable's keyed containers cost more than the rest of that work.
struct SyncedItemRecord: FetchableRecord, TableRecord, Sendable {
    static let databaseTableName = "syncedItem"
    static var databaseSelection: [any SQLSelectable] { Columns.allCases.map { Column($0.rawValue) } }

    /// In the order `databaseSelection` reads them and `replace(in:)` writes them.
    enum Columns: String, CaseIterable {
        case path, kind, size, modified, md5, remoteId, remoteMD5, remoteModified, headRevision, headKept, lastSynced
    }

    var path: String
    var kind: String
    var size: Int64
    var modified: Int64
    var md5: String?
    var remoteId: String?
    var remoteMD5: String?
    var remoteModified: Int64?
    var headRevision: String?
    var headKept: Bool
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
        headKept = item.headKept
        lastSynced = item.lastSynced
    }

    init(row: Row) {
        path = row[0]
        kind = row[1]
        size = row[2]
        modified = row[3]
        md5 = row[4]
        remoteId = row[5]
        remoteMD5 = row[6]
        remoteModified = row[7]
        headRevision = row[8]
        headKept = row[9]
        lastSynced = row[10]
    }

    private static let replaceSQL = """
        INSERT OR REPLACE INTO \(databaseTableName) (\(Columns.allCases.map(\.rawValue).joined(separator: ", ")))
        VALUES (\(Array(repeating: "?", count: Columns.allCases.count).joined(separator: ", ")))
        """

    /// Inserts or replaces the row with a statement prepared once per connection: a sync writes one a file.
    func replace(in db: Database) throws {
        let values: [(any DatabaseValueConvertible)?] = [
            path, kind, size, modified, md5, remoteId, remoteMD5, remoteModified, headRevision, headKept, lastSynced,
        ]
        try db.cachedStatement(sql: Self.replaceSQL).execute(arguments: StatementArguments(values))
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
            headKept: headKept,
            lastSynced: lastSynced
        )
    }
}
