public import DriveSyncCore
public import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Resumable upload sessions (opaque bodies, stored for the Drive client's session store).
public struct UploadSessionStore: Sendable {
    let writer: any DatabaseWriter

    /// The store over a migrated state database (`StateDatabase.open`).
    public init(_ writer: any DatabaseWriter) { self.writer = writer }

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

struct SessionRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "uploadSession"
    var key: String
    var body: [UInt8]
}
