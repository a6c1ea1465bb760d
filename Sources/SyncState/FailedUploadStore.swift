public import DriveSyncCore
public import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Uploads that failed, with their attempts across runs, for `drivesync retry` and `stats`.
public struct FailedUploadStore: Sendable {
    let writer: any DatabaseWriter

    /// The store over a migrated state database (`StateDatabase.open`).
    public init(_ writer: any DatabaseWriter) { self.writer = writer }

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
