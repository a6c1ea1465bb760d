public import Foundation
import Logging
import PostgresNIO
public import SQLDatabase

/// The test PostgreSQL cluster that the test command starts (scripts/postgres.sh). Each test gets a
/// database of its own; without the cluster the PostgreSQL tests fail and say how to run them.
public enum TestPostgres {
    public static let variable = "DRIVESYNC_TEST_POSTGRES"

    /// `postgres://…/postgres` of the running test cluster.
    public static func serverURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty else {
            throw TestPostgresError(
                "no test PostgreSQL: run the tests with `bash scripts/test.sh`, or start one with "
                    + "`source scripts/postgres.sh; start_private_postgres` and keep \(variable) set"
            )
        }
        return url
    }

    /// Creates an empty database and returns its URL.
    public static func makeDatabase() async throws -> String {
        let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await run("CREATE DATABASE \(name)")
        return try url(database: name)
    }

    /// Runs one statement in the `postgres` database (for example to drop another session's connection).
    public static func run(_ sql: String) async throws {
        guard let components = URLComponents(string: try serverURL()), let host = components.host else {
            throw TestPostgresError("\(variable) is not a postgres:// URL")
        }
        let configuration = PostgresConnection.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: components.user ?? "postgres",
            password: components.password,
            database: "postgres",
            tls: .disable
        )
        let connection = try await PostgresConnection.connect(
            configuration: configuration,
            id: 1,
            logger: Logger(label: "test-postgres")
        )
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test-postgres"))
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    public static func url(database: String) throws -> String {
        guard var components = URLComponents(string: try serverURL()) else {
            throw TestPostgresError("\(variable) is not a postgres:// URL")
        }
        components.path = "/" + database
        return components.string ?? ""
    }
}

public struct TestPostgresError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The backends the service's database runs on; every store's conformance suite runs on each.
public enum TestDatabaseBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }

    /// A fresh, empty database on this backend: a SQLite file in a new temporary folder, or a new database
    /// in the test cluster.
    public func freshLocation() async throws -> DatabaseLocation {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("db-\(UUID().uuidString)").path
            return .sqlite(path: folder + "/service.sqlite")
        case .postgres:
            return try DatabaseLocation(parsing: try await TestPostgres.makeDatabase(), home: "/")
        }
    }
}
