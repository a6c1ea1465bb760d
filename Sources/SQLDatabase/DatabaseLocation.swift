public import Foundation

/// Where the service keeps its shared state: a SQLite file (one machine) or a PostgreSQL database (many).
/// Parsed from `sqlite`, `sqlite:PATH` or `postgres://USER[:PASSWORD]@HOST[:PORT]/DB?sslmode=…`.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    public struct PostgresLocation: Sendable, Hashable {
        public enum TLSMode: String, Sendable, Hashable { case disable, prefer, require }

        public var host: String
        public var port: Int
        public var user: String
        public var database: String
        public var tls: TLSMode
        /// From the URL, `PGPASSWORD`, or a `password_file` that only its owner can read.
        public var password: String?
    }

    /// `text` as the configuration, `--database` or `DRIVESYNC_DATABASE` gives it; `home` holds the
    /// default SQLite file. `environment` supplies `PGPASSWORD`.
    public init(parsing text: String, home: String, environment: [String: String] = [:]) throws {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.isEmpty || text == "sqlite" {
            self = .sqlite(path: home + "/service.sqlite")
            return
        }
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw Self.invalid(text) }
            self = .sqlite(path: path.hasPrefix("/") ? path : home + "/" + path)
            return
        }
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme),
            let host = components.host, !host.isEmpty
        else { throw Self.invalid(text) }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw DatabaseError("name the database in the URL: postgres://USER@HOST:PORT/DATABASE")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { $1 }
        )
        for name in query.keys where !["sslmode", "password_file"].contains(name) {
            throw DatabaseError(
                "the database URL has an unknown option '\(name)'; it takes sslmode and password_file"
            )
        }
        let tls: PostgresLocation.TLSMode
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer
        case "require", "verify-ca", "verify-full": tls = .require
        case let mode: throw DatabaseError("sslmode is disable, prefer or require, not '\(mode)'")
        }
        var password = components.password?.removingPercentEncoding ?? environment["PGPASSWORD"]
        if password == nil, let file = query["password_file"] {
            password = try Self.readPasswordFile(file)
        }
        self = .postgres(
            PostgresLocation(
                host: host,
                port: components.port ?? 5432,
                user: components.user?.removingPercentEncoding ?? environment["USER"] ?? "postgres",
                database: database,
                tls: tls,
                password: password
            )
        )
    }

    /// Without the password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let location):
            "postgres://\(location.user)@\(location.host):\(location.port)/\(location.database)?sslmode=\(location.tls.rawValue)"
        }
    }

    private static func readPasswordFile(_ path: String) throws -> String {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw DatabaseError("cannot read the password file \(path): \(error.localizedDescription)")
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw DatabaseError(
                "the password file \(path) can be read by others; run chmod 600 \(path)"
            )
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw DatabaseError("cannot read the password file \(path)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func invalid(_ text: String) -> DatabaseError {
        DatabaseError(
            "the database is 'sqlite', 'sqlite:PATH' or 'postgres://USER@HOST:PORT/DATABASE', not a '\(text.prefix { $0 != ":" }.prefix(20))' address"
        )
    }
}

/// A database that cannot be used as given: the message says what to change.
public struct DatabaseError: Error, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
