public import DriveSyncCore
public import GRDB

/// The bytes one account uploaded in the last 24 hours, kept across runs and pairs: Drive caps uploads
/// at 750 GB per user per rolling 24 hours and answers past it as if rate-limited, so a run stops
/// uploading once the ledger (or Drive) says the cap is reached, and says when uploads can resume.
public struct UploadLedger: Sendable {
    /// Drive's cap: 750 GB (decimal, as Google states it).
    public static let driveDailyLimit: Int64 = 750_000_000_000
    /// The rolling window, in milliseconds.
    public static let window: Int64 = 86_400_000

    /// Bytes per rolling 24 hours.
    public let limit: Int64
    let writer: any DatabaseWriter

    /// The ledger at `path` (created when missing), or in memory when `path` is `nil`.
    public init(path: String?, limit: Int64 = Self.driveDailyLimit) throws {
        self.limit = limit
        writer = try StateDatabase.open(path: path, migrator: Self.migrator)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "upload") { table in
                table.column("at", .integer).notNull().indexed()
                table.column("bytes", .integer).notNull()
            }
        }
        return migrator
    }

    /// Records a finished upload; entries older than the window are dropped.
    public func record(bytes: Int64, at now: Int64) async throws {
        guard bytes > 0 else { return }
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM upload WHERE at <= ?", arguments: [now - Self.window])
            try db.execute(sql: "INSERT INTO upload (at, bytes) VALUES (?, ?)", arguments: [now, bytes])
        }
    }

    /// Bytes uploaded in the 24 hours before `now`.
    public func usage(at now: Int64) async throws -> Int64 {
        try await writer.read { db in
            try Int64.fetchOne(
                db,
                sql: "SELECT COALESCE(SUM(bytes), 0) FROM upload WHERE at > ?",
                arguments: [now - Self.window]
            ) ?? 0
        }
    }

    /// When an upload may start again, or `nil` when one may start now. As on Drive, the upload that
    /// crosses the cap completes: only a ledger already at the cap blocks.
    public func blockedUntil(at now: Int64) async throws -> Int64? {
        try await resumeTime(at: now, over: limit)
    }

    /// When uploads can resume after Drive refused one for the cap: once enough of what the ledger saw
    /// ages out to bring it under what it held when refused, else a day from now (others uploaded too).
    public func resumeAfterRefusal(at now: Int64) async throws -> Int64 {
        let held = try await usage(at: now)
        return try await resumeTime(at: now, over: min(held, limit)) ?? now + Self.window
    }

    /// The moment the window's bytes fall below `threshold`, or `nil` when they already are.
    private func resumeTime(at now: Int64, over threshold: Int64) async throws -> Int64? {
        try await writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT at, bytes FROM upload WHERE at > ? ORDER BY at",
                arguments: [now - Self.window]
            )
            var total = rows.reduce(Int64(0)) { $0 + ($1["bytes"] as Int64) }
            guard total >= threshold, threshold > 0 else { return nil }
            for row in rows {
                total -= row["bytes"] as Int64
                if total < threshold { return (row["at"] as Int64) + Self.window }
            }
            return nil
        }
    }
}
