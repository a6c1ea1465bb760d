public import DriveSyncCore
public import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Opens and migrates a state database. The stores take the writer it returns, so a service can give
/// them one it opened itself (GRDB's `AppDatabase` pattern).
public enum StateDatabase {
    /// The state at `path` (created and migrated), or an in-memory one when `path` is `nil`. Open one
    /// writer per database file per process (GRDB's rule); share it.
    public static func open(path: String?) throws -> any DatabaseWriter {
        try open(path: path, migrator: migrator)
    }

    /// A database at `path` (or in memory) that waits for other processes' writes, migrated by `migrator`.
    static func open(path: String?, migrator: DatabaseMigrator) throws -> any DatabaseWriter {
        let writer: any DatabaseWriter
        if let path {
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            // The pool's WAL with NORMAL survives a killed process without an fsync per commit; a power
            // cut can lose the last commits, which the next run finds again on the remote.
            configuration.prepareDatabase { try $0.execute(sql: "PRAGMA synchronous = NORMAL") }
            writer = try DatabasePool(path: path, configuration: configuration)
        } else {
            writer = try DatabaseQueue()
        }
        try migrator.migrate(writer)
        return writer
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
        // Nodes carry their kind, decided by the remote. Stored trees predate it: they are dropped with
        // the pull's cursor, and the next pull lists the tree again (its files stay recorded, so nothing
        // is fetched twice).
        migrator.registerMigration("v5") { db in
            try db.execute(sql: "DELETE FROM cursor WHERE name = 'changes' AND EXISTS (SELECT 1 FROM remoteNode)")
            try db.execute(sql: "DELETE FROM remoteNode")
            try db.alter(table: "remoteNode") { table in
                table.add(column: "kind", .text).notNull().defaults(to: RemoteNode.Kind.file.rawValue)
            }
        }
        // Whether the synced head revision was uploaded kept forever: replacing it then needs no pin.
        migrator.registerMigration("v6") { db in
            try db.alter(table: "syncedItem") { table in
                table.add(column: "headKept", .boolean).notNull().defaults(to: false)
            }
        }
        return migrator
    }
}

extension Database {
    /// Deletes the row at `path` with a statement prepared once per connection (writes made for each file).
    func deleteRow(in table: String, path: String) throws {
        try cachedStatement(sql: "DELETE FROM \(table) WHERE path = ?").execute(arguments: [path])
    }
}
