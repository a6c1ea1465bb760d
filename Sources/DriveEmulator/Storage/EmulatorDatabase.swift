import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The emulator's metadata in SQLite: one table of JSON documents keyed by collection and id.
///
/// The emulator keeps its working set in memory and writes every mutation through here before answering,
/// so a restart reloads exactly what was acknowledged.
struct EmulatorDatabase: Sendable {
    enum Collection: String, CaseIterable, Sendable {
        case user, file, revision, permission, drive, change, upload, issuedId, accessToken, refreshToken, channel
        case driveRequest
    }

    /// One pending write: a document to store, or `nil` to delete it.
    struct Write: Sendable {
        var collection: Collection
        var id: String
        var document: Data?
    }

    private let writer: any DatabaseWriter

    /// Opens (or creates) the database file.
    init(path: String) throws {
        var configuration = Configuration()
        configuration.journalMode = .wal
        // With WAL, NORMAL survives a crash of the process (what a restart must reload) and spares an
        // fsync per commit; only a power cut can lose the last commits.
        configuration.prepareDatabase { try $0.execute(sql: "PRAGMA synchronous = NORMAL") }
        writer = try DatabaseQueue(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE document (
                        collection TEXT NOT NULL,
                        id TEXT NOT NULL,
                        body BLOB NOT NULL,
                        PRIMARY KEY (collection, id)
                    )
                    """
            )
        }
        try migrator.migrate(writer)
    }

    func loadAll(_ collection: Collection) throws -> [Data] {
        try writer.read { db in
            try Data.fetchAll(
                db,
                sql: "SELECT body FROM document WHERE collection = ?",
                arguments: [collection.rawValue]
            )
        }
    }

    func apply(_ writes: [Write]) throws {
        guard !writes.isEmpty else { return }
        try writer.write { db in
            for write in writes {
                if let document = write.document {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO document (collection, id, body) VALUES (?, ?, ?)",
                        arguments: [write.collection.rawValue, write.id, document]
                    )
                } else {
                    try db.execute(
                        sql: "DELETE FROM document WHERE collection = ? AND id = ?",
                        arguments: [write.collection.rawValue, write.id]
                    )
                }
            }
        }
    }
}
