public import Foundation

/// What happened, for applications that follow the service (`GET /drive/events`): job progress and
/// results, changes on Drive, auth problems. Each event has the next id; the stream keeps the last
/// `capacity` and a reader that fell behind sees the gap in ids.
public actor EventStream {
    public struct Event: Codable, Sendable, Hashable {
        public var id: Int
        public var time: String
        public var type: String
        public var data: [String: String]
    }

    public let capacity: Int
    private var events: [Event] = []
    private var nextID = 1
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    private let now: @Sendable () -> Date
    private let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - now: the clock events are stamped with.
    ///   - sleep: how a long poll waits out its timeout (tests pass one that returns when told).
    public init(
        capacity: Int = 10_000,
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.capacity = capacity
        self.now = now
        self.sleep = sleep
    }

    /// Long polls waiting now.
    public var waitingCount: Int { waiters.count }

    /// The id of the latest event (0 before the first).
    public var lastID: Int { nextID - 1 }

    @discardableResult
    public func publish(_ type: String, _ data: [String: String]) -> Int {
        let event = Event(id: nextID, time: DriveTimestamp.format(now()), type: type, data: data)
        nextID += 1
        events.append(event)
        if events.count > capacity { events.removeFirst(events.count - capacity) }
        let waiting = waiters
        waiters.removeAll()
        for waiter in waiting.values { waiter.resume() }
        return event.id
    }

    /// The events after `id`, at most `limit`.
    public func events(after id: Int, limit: Int = 1000) -> [Event] {
        guard let first = events.firstIndex(where: { $0.id > id }) else { return [] }
        return Array(events[first...].prefix(limit))
    }

    /// The events after `id`; when there are none yet, waits for one up to `timeout` (a long poll).
    public func wait(after id: Int, timeout: Duration, limit: Int = 1000) async -> [Event] {
        let ready = events(after: id, limit: limit)
        guard ready.isEmpty, timeout > .zero else { return ready }
        let token = UUID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [sleep] in try? await sleep(timeout) }
            group.addTask { await self.suspend(token) }
            await group.next()
            group.cancelAll()
            self.wake(token)
        }
        return events(after: id, limit: limit)
    }

    private func suspend(_ token: UUID) async {
        await withCheckedContinuation { continuation in
            if Task.isCancelled { continuation.resume() } else { waiters[token] = continuation }
        }
    }

    private func wake(_ token: UUID) {
        waiters.removeValue(forKey: token)?.resume()
    }
}
