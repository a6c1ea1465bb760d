import Logging
import Metrics
import NIOSSL
import PostgresNIO
import SQLDatabase

/// Keeps a dedicated connection LISTENing on each channel (queued jobs, and whatever else the process
/// follows) and turns each NOTIFY into a wake-up of that channel's signal. A dropped connection is
/// reconnected (after a short, growing pause); each (re)connect also wakes every signal, since
/// notifications sent while it was down are lost and polling would find them later.
struct PostgresListener: Sendable {
    let location: DatabaseLocation.PostgresLocation
    let signals: [String: QueueSignal]
    let logger: Logger
    /// Counts connections made, for tests and the metric.
    let connected: @Sendable () -> Void

    func run() async {
        var pause = Duration.milliseconds(100)
        var id = 0
        while !Task.isCancelled {
            id += 1
            do {
                let configuration = PostgresConnection.Configuration(
                    host: location.host,
                    port: location.port,
                    username: location.user,
                    password: location.password,
                    database: location.database,
                    tls: try Self.tls(location.tls)
                )
                let connection = try await PostgresConnection.connect(
                    configuration: configuration,
                    id: id,
                    logger: logger
                )
                defer { Task { try? await connection.close() } }
                pause = .milliseconds(100)
                try await listen(on: connection, to: signals.sorted { $0.key < $1.key }[...], []) {
                    connected()
                    Counter(label: "drivesync_queue_listener_connects_total").increment()
                    wakeAll()
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "the queue's LISTEN connection dropped; reconnecting",
                    metadata: ["error": "\(String(reflecting: error).prefix(300))"]
                )
            }
            wakeAll()
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(5))
        }
    }

    private func wakeAll() {
        for signal in signals.values { signal.signal() }
    }

    /// LISTENs on each channel in turn (one `listen` scope inside the next), then relays every channel's
    /// notifications until the connection drops.
    private func listen(
        on connection: PostgresConnection,
        to channels: ArraySlice<(key: String, value: QueueSignal)>,
        _ listening: [(PostgresNotificationSequence, QueueSignal)],
        started: @escaping @Sendable () -> Void
    ) async throws {
        if let (channel, signal) = channels.first {
            try await connection.listen(on: channel) { notifications in
                try await listen(
                    on: connection,
                    to: channels.dropFirst(),
                    listening + [(notifications, signal)],
                    started: started
                )
            }
            return
        }
        started()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (notifications, signal) in listening {
                group.addTask {
                    for try await _ in notifications { signal.signal() }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private static func tls(
        _ mode: DatabaseLocation.PostgresLocation.TLSMode
    ) throws
        -> PostgresConnection.Configuration.TLS
    {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }
}
