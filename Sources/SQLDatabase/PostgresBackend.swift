import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// The queue in PostgreSQL, shared by workers on many machines. Transactions run at READ COMMITTED;
/// claims lock their rows with `FOR UPDATE SKIP LOCKED`, so concurrent workers never wait for each other.
final class PostgresBackend: SQLBackend {
    let dialect = SQLDialect.postgres
    let client: PostgresClient
    private let runner: Task<Void, Never>
    private let running: AsyncStream<Void>
    private let logger: Logger

    init(_ location: DatabaseLocation.PostgresLocation, connections: Int, logger: Logger) {
        var configuration = PostgresClient.Configuration(
            host: location.host,
            port: location.port,
            username: location.user,
            password: location.password,
            database: location.database,
            tls: Self.tls(location.tls)
        )
        configuration.options.maximumConnections = max(2, connections)
        configuration.options.connectTimeout = .seconds(5)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let (running, started) = AsyncStream.makeStream(of: Void.self)
        runner = Task { [client] in
            started.finish()
            await client.run()
        }
        self.running = running
        self.logger = logger
    }

    /// Returns once the pool runs (a lease before that only waits, with a warning in the log).
    func waitUntilRunning() async {
        for await _ in running {}
        await Task.yield()
    }

    static func tls(_ mode: DatabaseLocation.PostgresLocation.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    func transaction<T: Sendable>(_ body: (any SQLConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await body(Connection(connection: connection, logger: logger))
            }
        } catch let error as PostgresTransactionError {
            // What the body threw (a lost lease) is the error, not the rolled-back transaction around it.
            if let closureError = error.closureError, error.rollbackError == nil { throw closureError }
            throw error
        }
    }

    func write(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await read(statement)
    }

    /// Outside a transaction each statement commits on its own.
    func read(_ statement: SQLStatement) async throws -> [SQLRow] {
        if let prepared = statement.prepared { return try await execute(prepared, statement.values) }
        return try await Self.rows(client.query(Self.query(statement), logger: logger))
    }

    private func execute<Text: PreparedSQL>(_: Text.Type, _ values: [SQLValue]) async throws -> [SQLRow] {
        try await Self.rows(client.execute(Prepared<Text>(bindings: Self.bindings(values)), logger: logger))
    }

    func close() async {
        runner.cancel()
        await runner.value
    }

    private struct Connection: SQLConnection {
        let connection: PostgresConnection
        let logger: Logger

        func run(_ statement: SQLStatement) async throws -> [SQLRow] {
            if let prepared = statement.prepared { return try await execute(prepared, statement.values) }
            return try await PostgresBackend.rows(connection.query(PostgresBackend.query(statement), logger: logger))
        }

        private func execute<Text: PreparedSQL>(_: Text.Type, _ values: [SQLValue]) async throws -> [SQLRow] {
            try await PostgresBackend.rows(
                connection.execute(Prepared<Text>(bindings: PostgresBackend.bindings(values)), logger: logger)
            )
        }
    }

    /// A `PreparedSQL` text as postgres-nio prepares it: once per connection, under the type's name.
    private struct Prepared<Text: PreparedSQL>: PostgresPreparedStatement {
        typealias Row = PostgresRow
        static var name: String { String(reflecting: Text.self) }
        static var sql: String { PostgresBackend.numbered(Text.sql) }
        let bindings: PostgresBindings

        func makeBindings() -> PostgresBindings { bindings }
        func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
    }

    static func query(_ statement: SQLStatement) -> PostgresQuery {
        PostgresQuery(unsafeSQL: numbered(statement.sql), binds: bindings(statement.values))
    }

    /// PostgreSQL's placeholders: `$1`, `$2`… for the `?`s in order.
    static func numbered(_ sql: String) -> String {
        var numbered = ""
        var number = 0
        for character in sql {
            if character == "?" {
                number += 1
                numbered += "$\(number)"
            } else {
                numbered.append(character)
            }
        }
        return numbered
    }

    static func bindings(_ values: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let text?): bindings.append(text)
            case .integer(let integer?): bindings.append(integer)
            case .text(nil), .integer(nil): bindings.appendNull()
            }
        }
        return bindings
    }

    static func rows<Rows: AsyncSequence>(_ sequence: Rows) async throws -> [SQLRow] where Rows.Element == PostgresRow {
        var rows: [SQLRow] = []
        for try await row in sequence {
            var columns: [String: SQLValue] = [:]
            for cell in row where cell.bytes != nil {
                switch cell.dataType {
                case .int2, .int4, .int8: columns[cell.columnName] = .integer(try cell.decode(Int64.self))
                case .bool: columns[cell.columnName] = .integer(try cell.decode(Bool.self) ? 1 : 0)
                default: columns[cell.columnName] = .text(try cell.decode(String.self))
                }
            }
            rows.append(SQLRow(columns: columns))
        }
        return rows
    }
}
