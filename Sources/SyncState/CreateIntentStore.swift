public import DriveSyncCore
public import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Creates about to happen, with the IDs they will use: a killed run finds them and checks the remote
/// instead of creating again.
public struct CreateIntentStore: Sendable {
    let writer: any DatabaseWriter

    /// The store over a migrated state database (`StateDatabase.open`).
    public init(_ writer: any DatabaseWriter) { self.writer = writer }

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
}

extension CreateIntentStore: CreateJournal {
    public func claimID(for path: RemotePath, newID: String) async throws -> String {
        let now = DriveTimestamp.milliseconds(of: Date())
        return try await writer.write { db in
            // Statements prepared once per connection: a sync claims one ID a file.
            let table = IntentRecord.databaseTableName
            let key = path.description
            let intended = try String.fetchOne(
                db.cachedStatement(sql: "SELECT remoteId FROM \(table) WHERE path = ?"),
                arguments: [key]
            )
            if let intended { return intended }
            try db.cachedStatement(sql: "INSERT INTO \(table) (path, remoteId, recorded) VALUES (?, ?, ?)")
                .execute(arguments: [key, newID, now])
            return newID
        }
    }

    public func recordIntent(_ id: String, for path: RemotePath) async throws {
        let now = DriveTimestamp.milliseconds(of: Date())
        try await writer.write { db in
            try IntentRecord(path: path.description, remoteId: id, recorded: now).insert(db, onConflict: .replace)
        }
    }

    public func clearIntent(for path: RemotePath) async throws {
        _ = try await writer.write { db in try IntentRecord.deleteOne(db, key: path.description) }
    }
}

struct IntentRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "createIntent"
    var path: String
    var remoteId: String
    var recorded: Int64
}
