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
        try await Self.rows(client.query(Self.query(statement), logger: logger))
    }

    func close() async {
        runner.cancel()
        await runner.value
    }

    private struct Connection: SQLConnection {
        let connection: PostgresConnection
        let logger: Logger

        func run(_ statement: SQLStatement) async throws -> [SQLRow] {
            try await PostgresBackend.rows(connection.query(PostgresBackend.query(statement), logger: logger))
        }
    }

    /// Numbers the `?` placeholders and binds the values.
    static func query(_ statement: SQLStatement) -> PostgresQuery {
        var sql = ""
        var number = 0
        for character in statement.sql {
            if character == "?" {
                number += 1
                sql += "$\(number)"
            } else {
                sql.append(character)
            }
        }
        var bindings = PostgresBindings(capacity: statement.values.count)
        for value in statement.values {
            switch value {
            case .text(let text?): bindings.append(text)
            case .integer(let integer?): bindings.append(integer)
            case .text(nil), .integer(nil): bindings.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    static func rows(_ sequence: PostgresRowSequence) async throws -> [SQLRow] {
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
