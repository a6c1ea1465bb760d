import DriveSyncKit
import ServiceLifecycle

/// Reads each account's changes feed every `interval`, so what others change on Drive leaves the
/// metadata cache before its time to live runs out, and tells followers of `/drive/events` (`drive.changed`).
struct CacheRefresher: Service {
    let connections: DriveConnections
    let events: EventStream
    let interval: Duration

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return  // shutting down
            }
            for (account, changes) in await connections.applyChanges() where changes > 0 {
                await events.publish("drive.changed", ["account": account ?? "embedded", "changes": "\(changes)"])
            }
        }
    }
}
