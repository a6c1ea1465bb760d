public import Foundation
import GRDB
import Synchronization

/// The queue in a SQLite file, for one machine. Every change is a `BEGIN IMMEDIATE` transaction on the
/// pool's single writer, held across the statements by an async lock (GRDB serializes each access, not a
/// sequence of them); reads go to the pool's readers and never wait for writers (WAL).
final class SQLiteBackend: SQLBackend {
    let dialect = SQLDialect.sqlite
    private let pool: DatabasePool
    private let lock: AsyncLock

    /// One lock per file in this process: backends on one file take turns here instead of in SQLite's busy
    /// handler, which would block a dispatch thread per waiter (two blocked on a two-core machine starve the
    /// holder).
    private static let locks = Mutex<[String: AsyncLock]>([:])

    init(path: String) throws {
        var configuration = Configuration()
        // Another process (a worker, a command) may hold the write lock across a few statements.
        configuration.busyMode = .timeout(30)
        // The transaction spans several accesses; the lock above keeps it whole.
        configuration.allowsUnsafeTransactions = true
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        // Only its owner reads the service's state (SQLite gives the WAL and its index the same mode).
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        lock = Self.locks.withLock { locks in
            if let lock = locks[key] { return lock }
            let lock = AsyncLock()
            locks[key] = lock
            return lock
        }
    }

    func transaction<T: Sendable>(_ body: (any SQLConnection) async throws -> T) async throws -> T {
        try await lock.withLock {
            try await pool.writeWithoutTransaction { db in
                // A transaction a cancelled task left open is rolled back before the next one starts.
                if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
                try db.execute(sql: "BEGIN IMMEDIATE")
            }
            do {
                let value = try await body(Connection(pool: pool))
                try await pool.writeWithoutTransaction { try $0.execute(sql: "COMMIT") }
                return value
            } catch {
                try? await pool.writeWithoutTransaction { db in
                    if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
                }
                throw error
            }
        }
    }

    func write(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await lock.withLock {
            try await pool.writeWithoutTransaction { db in
                if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
                var rows: [SQLRow] = []
                try db.inTransaction(.immediate) {
                    rows = try Self.rows(db, statement)
                    return .commit
                }
                return rows
            }
        }
    }

    func read(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await pool.read { db in try Self.rows(db, statement) }
    }

    func close() async { try? pool.close() }

    private struct Connection: SQLConnection {
        let pool: DatabasePool

        func run(_ statement: SQLStatement) async throws -> [SQLRow] {
            try await pool.writeWithoutTransaction { db in try SQLiteBackend.rows(db, statement) }
        }
    }

    private static func rows(_ db: Database, _ statement: SQLStatement) throws -> [SQLRow] {
        let arguments = StatementArguments(
            statement.values.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .text(let text): text
                case .integer(let integer): integer
                }
            }
        )
        return try Row.fetchAll(db, sql: statement.sql, arguments: arguments).map { row in
            var columns: [String: SQLValue] = [:]
            for (name, value) in row {
                switch value.storage {
                case .int64(let integer): columns[name] = .integer(integer)
                case .string(let text): columns[name] = .text(text)
                case .double(let double): columns[name] = .integer(Int64(double))
                case .null, .blob: break
                }
            }
            return SQLRow(columns: columns)
        }
    }
}

/// A FIFO async mutex: one holder at a time, waiters resumed in order.
final class AsyncLock: Sendable {
    private let state = Mutex<(held: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func withLock<T>(_ body: () async throws -> T) async throws -> T {
        await withCheckedContinuation { continuation in
            let acquired = state.withLock { state in
                if state.held {
                    state.waiters.append(continuation)
                    return false
                }
                state.held = true
                return true
            }
            if acquired { continuation.resume() }
        }
        defer {
            let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if state.waiters.isEmpty {
                    state.held = false
                    return nil
                }
                return state.waiters.removeFirst()
            }
            next?.resume()
        }
        return try await body()
    }
}
