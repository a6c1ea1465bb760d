/// One step of a component's schema. Versions only grow; a database remembers which it has applied, so a
/// step runs once per database, in order, whichever process starts first.
public struct Migration: Sendable {
    public var version: Int
    public var statements: [String]

    public init(version: Int, statements: [String]) {
        self.version = version
        self.statements = statements
    }
}

extension SQLBackend {
    /// Applies `component`'s migrations the database lacks, in one transaction. Processes starting together
    /// take turns: PostgreSQL under an advisory lock (`CREATE … IF NOT EXISTS` races otherwise), SQLite
    /// under `BEGIN IMMEDIATE`.
    public func migrate(_ component: String, _ migrations: [Migration]) async throws {
        try await transaction { connection in
            if dialect == .postgres {
                try await connection.run(SQLStatement("SELECT pg_advisory_xact_lock(7341298563120)"))
            }
            try await connection.run(
                SQLStatement(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        component TEXT NOT NULL,
                        version BIGINT NOT NULL,
                        PRIMARY KEY (component, version)
                    )
                    """
                )
            )
            let applied =
                try await connection.run(
                    SQLStatement(
                        "SELECT MAX(version) AS version FROM schema_migrations WHERE component = ?",
                        [.text(component)]
                    )
                ).first?.integer("version") ?? 0
            for migration in migrations.sorted(by: { $0.version < $1.version }) where migration.version > applied {
                for statement in migration.statements { try await connection.run(SQLStatement(statement)) }
                try await connection.run(
                    SQLStatement(
                        "INSERT INTO schema_migrations (component, version) VALUES (?, ?)",
                        [.text(component), .integer(Int64(migration.version))]
                    )
                )
            }
        }
    }
}
