import Logging
import Metrics
import NIOSSL
import PostgresNIO
import SQLDatabase

/// Keeps a dedicated connection LISTENing for queued jobs and turns each NOTIFY into a local wake-up.
/// A dropped connection is reconnected (after a short, growing pause); each (re)connect also wakes the
/// workers, since notifications sent while it was down are lost and polling would find them later.
struct PostgresListener: Sendable {
    let location: DatabaseLocation.PostgresLocation
    let signal: QueueSignal
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
                try await connection.listen(on: QueueSQL.channel) { notifications in
                    connected()
                    Counter(label: "drivesync_queue_listener_connects_total").increment()
                    pause = .milliseconds(100)
                    signal.signal()
                    for try await _ in notifications { signal.signal() }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "the queue's LISTEN connection dropped; reconnecting",
                    metadata: ["error": "\(String(reflecting: error).prefix(300))"]
                )
            }
            signal.signal()
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(5))
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
