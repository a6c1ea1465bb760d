import Dispatch
public import Logging

/// The SQL the backends differ in (placeholders, upserts and the rest are written once for both).
public enum SQLDialect: Sendable, Hashable { case sqlite, postgres }

/// A value bound to a statement, the same for both backends.
public enum SQLValue: Sendable, Hashable {
    case text(String?)
    case integer(Int64?)
}

/// A statement with `?` placeholders and its values; PostgreSQL's backend numbers the placeholders.
public struct SQLStatement: Sendable {
    public var sql: String
    public var values: [SQLValue]
    /// Set for a statement run often with the same text: PostgreSQL parses and plans it once per
    /// connection instead of at every run.
    public private(set) var prepared: (any PreparedSQL.Type)?

    public init(_ sql: String, _ values: [SQLValue] = []) {
        self.sql = sql
        self.values = values
    }

    public init<Text: PreparedSQL>(prepared: Text.Type, _ values: [SQLValue]) {
        self.init(Text.sql, values)
        self.prepared = prepared
    }
}

/// The text of a hot statement, one type per text (the type names the prepared statement). Values that
/// vary in number travel as one JSON parameter, so the text stays the same.
public protocol PreparedSQL: Sendable {
    static var sql: String { get }
}

/// One result row by column name, copied out of the backend's own row type.
public struct SQLRow: Sendable {
    public var columns: [String: SQLValue]

    public init(columns: [String: SQLValue]) { self.columns = columns }

    public func text(_ column: String) -> String? {
        if case .text(let value) = columns[column] { return value }
        return nil
    }

    public func integer(_ column: String) -> Int64? {
        if case .integer(let value) = columns[column] { return value }
        return nil
    }
}

/// A backend's connection inside a transaction.
public protocol SQLConnection {
    /// Runs one statement; the rows it returns (a SELECT's, or RETURNING's).
    @discardableResult
    func run(_ statement: SQLStatement) async throws -> [SQLRow]
}

/// A database the service's stores share: transactions that take the write lock at once, single
/// statements that commit on their own, and plain reads.
public protocol SQLBackend: Sendable {
    var dialect: SQLDialect { get }
    func transaction<T: Sendable>(_ body: (any SQLConnection) async throws -> T) async throws -> T
    /// Runs one statement as a transaction of its own (on PostgreSQL one round trip, no BEGIN or COMMIT).
    @discardableResult
    func write(_ statement: SQLStatement) async throws -> [SQLRow]
    func read(_ statement: SQLStatement) async throws -> [SQLRow]
    func close() async
}

extension DatabaseLocation {
    /// Opens the database (creating the SQLite file as needed); `connections` bounds PostgreSQL's pool.
    public func connect(connections: Int = 8, logger: Logger) async throws -> any SQLBackend {
        switch self {
        case .sqlite(let path):
            // Opening may wait on another process's lock (the busy timeout): never on a cooperative thread,
            // or two waiting openers could starve the task that holds the lock.
            return try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(with: Result { try SQLiteBackend(path: path) })
                }
            }
        case .postgres(let postgres):
            let backend = PostgresBackend(postgres, connections: connections, logger: logger)
            await backend.waitUntilRunning()
            return backend
        }
    }
}
