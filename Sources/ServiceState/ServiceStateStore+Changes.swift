public import Foundation
import SQLDatabase

/// What the service knows of one Drive file, kept current from the changes feed: enough to tell whether
/// its content changed (MD5, revision) and whether it was processed since.
public struct FileRecord: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        /// New or changed since it was last processed.
        case pending
        case processed
        case failed
        /// Removed from Drive (deleted, or trashed).
        case removed
    }

    public var account: String
    public var fileID: String
    /// The shared drive, or "" for My Drive.
    public var driveID: String
    public var name: String
    public var parentID: String?
    public var mimeType: String?
    public var md5: String?
    public var revision: String?
    public var modified: Date?
    public var trashed: Bool
    public var status: Status
    public var error: String?
    public var processed: Date?

    public init(
        account: String,
        fileID: String,
        driveID: String = "",
        name: String,
        parentID: String? = nil,
        mimeType: String? = nil,
        md5: String? = nil,
        revision: String? = nil,
        modified: Date? = nil,
        trashed: Bool = false,
        status: Status = .pending,
        error: String? = nil,
        processed: Date? = nil
    ) {
        self.account = account
        self.fileID = fileID
        self.driveID = driveID
        self.name = name
        self.parentID = parentID
        self.mimeType = mimeType
        self.md5 = md5
        self.revision = revision
        self.modified = modified
        self.trashed = trashed
        self.status = status
        self.error = error
        self.processed = processed
    }
}

/// One page of Drive's changes feed, to apply with the cursor that follows it.
public struct ChangePage: Sendable {
    public var account: String
    public var driveID: String
    /// The cursor the page was read from; `nil` for the first page ever (the start token).
    public var from: String?
    /// The cursor after the page: `nextPageToken`, or `newStartPageToken` on the last page.
    public var to: String
    /// Files that exist (or are trashed) after the page.
    public var files: [FileRecord]
    /// Ids of files deleted for good, or that this account can no longer see.
    public var removed: [String]

    public init(
        account: String,
        driveID: String = "",
        from: String?,
        to: String,
        files: [FileRecord],
        removed: [String]
    ) {
        self.account = account
        self.driveID = driveID
        self.from = from
        self.to = to
        self.files = files
        self.removed = removed
    }
}

extension ServiceStateStore {
    /// The stored page token of `account`'s changes feed (of `driveID`, a shared drive, when not empty).
    public func changeCursor(account: String, driveID: String = "") async throws -> String? {
        try await backend.read(
            SQLStatement(
                "SELECT page_token FROM change_cursors WHERE account = ? AND drive_id = ?",
                [.text(account), .text(driveID)]
            )
        ).first?.text("page_token")
    }

    /// When the changes feed of `account` (and `driveID`) was last read to its end, or `nil` when never.
    public func changesRead(account: String, driveID: String = "") async throws -> Date? {
        try await backend.read(
            SQLStatement(
                "SELECT updated FROM change_cursors WHERE account = ? AND drive_id = ?",
                [.text(account), .text(driveID)]
            )
        ).first?.integer("updated").map(Microseconds.date)
    }

    /// Applies `page` to the file records and moves the cursor, all in one transaction: a crash applies the
    /// page wholly or not at all. Throws `cursorMoved` (and changes nothing) when the cursor is no longer
    /// `page.from`: another run got there first. A file whose content (MD5 or revision) changed, or that
    /// came back from the trash, is pending again; one whose content did not keeps its status.
    public func apply(_ page: ChangePage) async throws {
        let time = Microseconds.from(now())
        try await backend.transaction { connection in
            let moved: [SQLRow]
            if let from = page.from {
                moved = try await connection.run(
                    SQLStatement(
                        """
                        UPDATE change_cursors SET page_token = ?, updated = ?
                        WHERE account = ? AND drive_id = ? AND page_token = ? RETURNING account
                        """,
                        [.text(page.to), .integer(time), .text(page.account), .text(page.driveID), .text(from)]
                    )
                )
            } else {
                moved = try await connection.run(
                    SQLStatement(
                        """
                        INSERT INTO change_cursors (account, drive_id, page_token, updated) VALUES (?, ?, ?, ?)
                        ON CONFLICT (account, drive_id) DO NOTHING RETURNING account
                        """,
                        [.text(page.account), .text(page.driveID), .text(page.to), .integer(time)]
                    )
                )
            }
            if moved.isEmpty { throw ServiceStateError.cursorMoved(account: page.account, driveID: page.driveID) }
            for file in page.files { try await connection.run(upsert(file, account: page.account, time: time)) }
            if !page.removed.isEmpty {
                try await connection.run(
                    SQLStatement(
                        """
                        UPDATE file_records SET status = 'removed', updated = ?
                        WHERE account = ? AND file_id IN (\(Array(repeating: "?", count: page.removed.count).joined(separator: ", ")))
                        """,
                        [.integer(time), .text(page.account)] + page.removed.map { .text($0) }
                    )
                )
            }
        }
    }

    private func upsert(_ file: FileRecord, account: String, time: Int64) -> SQLStatement {
        let status: FileRecord.Status = file.trashed ? .removed : .pending
        return SQLStatement(
            """
            INSERT INTO file_records (account, file_id, drive_id, name, parent_id, mime_type, md5, revision, modified,
                trashed, status, updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (account, file_id) DO UPDATE SET
                drive_id = excluded.drive_id, name = excluded.name, parent_id = excluded.parent_id,
                mime_type = excluded.mime_type, md5 = excluded.md5, revision = excluded.revision,
                modified = excluded.modified, trashed = excluded.trashed, updated = excluded.updated,
                status = CASE
                    WHEN excluded.trashed = 1 THEN 'removed'
                    WHEN file_records.status = 'removed'
                        OR COALESCE(file_records.md5, '') <> COALESCE(excluded.md5, '')
                        OR COALESCE(file_records.revision, '') <> COALESCE(excluded.revision, '') THEN 'pending'
                    ELSE file_records.status END,
                error = CASE
                    WHEN COALESCE(file_records.md5, '') <> COALESCE(excluded.md5, '')
                        OR COALESCE(file_records.revision, '') <> COALESCE(excluded.revision, '') THEN NULL
                    ELSE file_records.error END
            """,
            [
                .text(account), .text(file.fileID), .text(file.driveID), .text(file.name), .text(file.parentID),
                .text(file.mimeType), .text(file.md5), .text(file.revision),
                .integer(file.modified.map(Microseconds.from)), .integer(file.trashed ? 1 : 0),
                .text(status.rawValue), .integer(time),
            ]
        )
    }

    public func fileRecord(account: String, fileID: String) async throws -> FileRecord? {
        try await backend.read(
            SQLStatement(
                "SELECT * FROM file_records WHERE account = ? AND file_id = ?",
                [.text(account), .text(fileID)]
            )
        ).first.map(fileRecord(from:))
    }

    /// `account`'s records (in `status` when given), by file id, at most `limit`.
    public func fileRecords(
        account: String,
        status: FileRecord.Status? = nil,
        limit: Int = 1000
    ) async throws
        -> [FileRecord]
    {
        let filter = status == nil ? "" : " AND status = ?"
        return try await backend.read(
            SQLStatement(
                "SELECT * FROM file_records WHERE account = ?\(filter) ORDER BY file_id LIMIT ?",
                [.text(account)] + (status.map { [.text($0.rawValue)] } ?? []) + [.integer(Int64(max(0, limit)))]
            )
        ).map(fileRecord(from:))
    }

    /// Records the outcome of processing a file at `revision`; false (and nothing changes) when the record
    /// has moved to another revision meanwhile, whose own processing will record its outcome.
    public func recordProcessing(
        account: String,
        fileID: String,
        revision: String?,
        status: FileRecord.Status,
        error: String? = nil
    ) async throws -> Bool {
        let time = Microseconds.from(now())
        return try await !backend.write(
            SQLStatement(
                """
                UPDATE file_records SET status = ?, error = ?, processed = ?, updated = ?
                WHERE account = ? AND file_id = ? AND COALESCE(revision, '') = ? AND status <> 'removed'
                RETURNING file_id
                """,
                [
                    .text(status.rawValue), .text(error), .integer(time), .integer(time), .text(account),
                    .text(fileID), .text(revision ?? ""),
                ]
            )
        ).isEmpty
    }

    /// Forgets `account`'s cursors and records (the account was removed).
    public func forgetChanges(account: String) async throws {
        try await backend.transaction { connection in
            try await connection.run(SQLStatement("DELETE FROM change_cursors WHERE account = ?", [.text(account)]))
            try await connection.run(SQLStatement("DELETE FROM file_records WHERE account = ?", [.text(account)]))
        }
    }

    private func fileRecord(from row: SQLRow) -> FileRecord {
        FileRecord(
            account: row.text("account") ?? "",
            fileID: row.text("file_id") ?? "",
            driveID: row.text("drive_id") ?? "",
            name: row.text("name") ?? "",
            parentID: row.text("parent_id"),
            mimeType: row.text("mime_type"),
            md5: row.text("md5"),
            revision: row.text("revision"),
            modified: row.integer("modified").map(Microseconds.date),
            trashed: row.integer("trashed") == 1,
            status: FileRecord.Status(rawValue: row.text("status") ?? "") ?? .pending,
            error: row.text("error"),
            processed: row.integer("processed").map(Microseconds.date)
        )
    }
}
