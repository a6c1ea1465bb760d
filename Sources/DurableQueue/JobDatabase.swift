public import Foundation
public import Logging
public import SQLDatabase

/// The queue's database, opened and migrated, with the signal that wakes this process's workers.
public struct JobDatabase: Sendable {
    public let location: DatabaseLocation
    public let store: SQLQueueStore
    /// Signalled by local enqueues, finished jobs and (on PostgreSQL) NOTIFY from other processes.
    public let signal = QueueSignal()
    private let logger: Logger

    /// Opens (creating the SQLite file or the tables as needed) and migrates. `connections` bounds the
    /// PostgreSQL pool; `now` is the queue's clock.
    public static func open(
        _ location: DatabaseLocation,
        connections: Int = 8,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> JobDatabase {
        let backend = try await location.connect(connections: connections, logger: logger)
        let database = JobDatabase(
            location: location,
            store: SQLQueueStore(backend: backend, now: now),
            logger: logger
        )
        do {
            try await database.store.migrate()
        } catch {
            await database.close()
            // PostgreSQL's errors describe themselves only when reflected (the server's message, no secrets).
            throw QueueError.invalid(
                "cannot open the database \(location): \(String(reflecting: error)); check that the server runs and that the address, user and password are right"
            )
        }
        return database
    }

    /// Until cancelled, turns PostgreSQL's NOTIFY into wake-ups of the workers and of the signals `also`
    /// names by channel (SQLite needs none: everything waiting on it is in this process). `connected` is
    /// called at each (re)connect.
    public func listenForWakeups(
        also channels: [String: QueueSignal] = [:],
        connected: @escaping @Sendable () -> Void = {}
    ) async {
        guard case .postgres(let postgres) = location else {
            try? await Task.sleep(for: .seconds(1 << 40))
            return
        }
        await PostgresListener(
            location: postgres,
            signals: channels.merging([QueueSQL.channel: signal]) { _, queue in queue },
            logger: logger,
            connected: connected
        )
        .run()
    }

    /// The database itself, for the service's other stores.
    public var backend: any SQLBackend { store.backend }

    public func close() async { await store.close() }
}
