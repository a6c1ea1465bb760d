public import DurableQueue
public import Foundation
public import Logging
public import ServiceState
import Synchronization

/// What happened, for applications that follow the service (`GET /drive/events`): job progress and
/// results, changes on Drive, auth problems. Events live in the service's database, so one published by a
/// worker in another process reaches every service's readers. Each has the next id; the newest `capacity`
/// are kept and a reader that fell behind sees the gap in ids. Long polls wake at once for events
/// published here, on NOTIFY for events from elsewhere (PostgreSQL), and at worst after `poll`.
public final class EventStream: Sendable {
    public struct Event: Codable, Sendable, Hashable {
        public var id: Int
        public var time: String
        public var type: String
        public var data: [String: String]
    }

    public let capacity: Int
    /// Signalled by each event published here and, through the database's listener, elsewhere.
    public let signal = QueueSignal()
    private let store: ServiceStateStore
    private let poll: Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private let logger: Logger
    private let waiting = Mutex(0)
    private let published = Mutex(0)
    private let onPublish: (@Sendable (Event) async -> Void)?

    /// - Parameters:
    ///   - poll: how often a long poll looks for events no wake-up announced.
    ///   - sleep: how a long poll waits out its timeout (tests pass one that returns when told).
    ///   - onPublish: told each event once it is stored (the deliveries to `[notify NAME]` are queued there).
    public init(
        store: ServiceStateStore,
        capacity: Int = 10_000,
        poll: Duration = .seconds(1),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        logger: Logger,
        onPublish: (@Sendable (Event) async -> Void)? = nil
    ) {
        self.onPublish = onPublish
        self.store = store
        self.capacity = capacity
        self.poll = poll
        self.sleep = sleep
        self.logger = logger
    }

    /// Long polls waiting now.
    public var waitingCount: Int { waiting.withLock { $0 } }

    /// Publishes an event and returns its id. An event the database refuses is logged and dropped (0):
    /// events tell what happened, they are not the record of it.
    @discardableResult
    public func publish(_ type: String, _ data: [String: String]) async -> Int {
        do {
            let json = String(decoding: try JSONEncoder().encode(data), as: UTF8.self)
            let event = try await store.appendEvent(type: type, data: json)
            let count = published.withLock {
                $0 += 1
                return $0
            }
            // Pruning now and then keeps the table near `capacity` without a delete per event.
            if count % max(1, capacity / 10) == 0 { try await store.pruneEvents(keeping: capacity) }
            signal.signal()
            await onPublish?(Event(event))
            return Int(event.id)
        } catch {
            logger.warning("an event was not stored", metadata: ["event.type": "\(type)", "error": "\(error)"])
            return 0
        }
    }

    /// The events after `id`, at most `limit`.
    public func events(after id: Int, limit: Int = 1000) async throws -> [Event] {
        try await store.events(after: Int64(id), limit: limit).map(Event.init)
    }

    /// The id of the latest event (0 before the first).
    public func lastID() async throws -> Int { Int(try await store.lastEventID()) }

    /// The events after `id`; when there are none yet, waits for one up to `timeout` (a long poll).
    public func wait(after id: Int, timeout: Duration, limit: Int = 1000) async throws -> [Event] {
        let ready = try await events(after: id, limit: limit)
        guard ready.isEmpty, timeout > .zero else { return ready }
        waiting.withLock { $0 += 1 }
        defer { waiting.withLock { $0 -= 1 } }
        let found = try await withThrowingTaskGroup(of: [Event]?.self) { group in
            group.addTask { [sleep] in
                try? await sleep(timeout)
                return nil
            }
            group.addTask {
                while !Task.isCancelled {
                    await self.signal.wait(timeout: self.poll, sleep: self.sleep)
                    let events = try await self.events(after: id, limit: limit)
                    if !events.isEmpty { return events }
                }
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let found { return found }
        return try await events(after: id, limit: limit)
    }
}

extension EventStream.Event {
    init(_ stored: StoredEvent) {
        self.init(
            id: Int(stored.id),
            time: DriveTimestamp.format(stored.time),
            type: stored.type,
            data: (try? JSONDecoder().decode([String: String].self, from: Data(stored.data.utf8))) ?? [:]
        )
    }
}
