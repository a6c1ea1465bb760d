public import Foundation
import SQLDatabase

/// An event as stored: its id grows in commit order, so a reader resumes after the last id it saw.
public struct StoredEvent: Sendable, Hashable {
    public var id: Int64
    public var time: Date
    public var type: String
    /// JSON.
    public var data: String

    public init(id: Int64, time: Date, type: String, data: String) {
        self.id = id
        self.time = time
        self.type = type
        self.data = data
    }
}

extension ServiceStateStore {
    /// The PostgreSQL channel an append notifies, so readers in other processes wake.
    public static let eventChannel = "drivesync_events"

    /// Appends an event and returns it with its id. On PostgreSQL appends take turns (a table lock held to
    /// the commit), or a reader could pass an id whose transaction had yet to commit and never see it.
    @discardableResult
    public func appendEvent(type: String, data: String) async throws -> StoredEvent {
        let time = now()
        let row = try await backend.transaction { connection in
            if backend.dialect == .postgres {
                try await connection.run(SQLStatement("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE"))
                try await connection.run(SQLStatement("SELECT pg_notify('\(Self.eventChannel)', '')"))
            }
            return try await connection.run(
                SQLStatement(
                    "INSERT INTO events (time, type, data) VALUES (?, ?, ?) RETURNING id",
                    [.integer(Microseconds.from(time)), .text(type), .text(data)]
                )
            ).first
        }
        return StoredEvent(id: row?.integer("id") ?? 0, time: time, type: type, data: data)
    }

    /// The events after `id`, oldest first, at most `limit`.
    public func events(after id: Int64, limit: Int = 1000) async throws -> [StoredEvent] {
        try await backend.read(
            SQLStatement(
                "SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?",
                [.integer(id), .integer(Int64(max(0, limit)))]
            )
        ).map { row in
            StoredEvent(
                id: row.integer("id") ?? 0,
                time: Microseconds.date(row.integer("time") ?? 0),
                type: row.text("type") ?? "",
                data: row.text("data") ?? "{}"
            )
        }
    }

    /// The latest event's id (0 before the first).
    public func lastEventID() async throws -> Int64 {
        try await backend.read(SQLStatement("SELECT MAX(id) AS id FROM events")).first?.integer("id") ?? 0
    }

    /// Keeps the events among the newest `count` ids (ids may skip where an append rolled back); returns how
    /// many went.
    @discardableResult
    public func pruneEvents(keeping count: Int) async throws -> Int {
        try await backend.write(
            SQLStatement(
                "DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ? RETURNING id",
                [.integer(Int64(max(0, count)))]
            )
        ).count
    }
}
