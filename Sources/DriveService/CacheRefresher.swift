import DriveSyncKit
import ServiceLifecycle

/// Reads each account's changes feed every `interval`, so what others change on Drive leaves the
/// metadata cache before its time to live runs out.
struct CacheRefresher: Service {
    let connections: DriveConnections
    let interval: Duration

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return  // shutting down
            }
            await connections.applyChanges()
        }
    }
}
