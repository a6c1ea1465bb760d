public import DriveSyncCore
public import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Which source and destination a state belongs to.
public struct SyncPairStore: Sendable {
    let writer: any DatabaseWriter

    /// The store over a migrated state database (`StateDatabase.open`).
    public init(_ writer: any DatabaseWriter) { self.writer = writer }

    public func pair() async throws -> SyncPair? {
        try await writer.read { db in
            try PairRecord.fetchOne(db).map { SyncPair(source: $0.source, destination: $0.destination) }
        }
    }

    public func setPair(_ pair: SyncPair) async throws {
        try await writer.write { db in try PairRecord(source: pair.source, destination: pair.destination).upsert(db) }
    }
}

struct PairRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "syncPair"
    var id = 1
    var source: String
    var destination: String
}
