import DriveSyncKit
import ServiceLifecycle

/// Keeps the metadata cache true to Drive before its time to live runs out: a watched account's cache
/// forgets each file its `apply-changes` runs publish (`file.changed`, `file.removed`, from any process);
/// an account not watched has its changes feed read every `interval`, followers of `/drive/events` told
/// (`drive.changed`).
struct CacheRefresher: Service {
    let connections: DriveConnections
    let events: EventStream
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await followEvents() }
                group.addTask { await pollUnwatched() }
            }
        }
    }

    private func followEvents() async {
        var since = (try? await events.lastID()) ?? 0
        while !Task.isCancelled {
            do {
                let found = try await events.wait(after: since, timeout: .seconds(30))
                for event in found { await connections.invalidate(for: event) }
                since = found.last?.id ?? since
            } catch {
                try? await Task.sleep(for: .seconds(1))  // the database is away; the time to live still holds
            }
        }
    }

    private func pollUnwatched() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return  // shutting down
            }
            let watched = (try? await connections.driveSync.watchedAccounts()) ?? []
            for (account, changes) in await connections.applyChanges(except: watched) where changes > 0 {
                await events.publish("drive.changed", ["account": account ?? "embedded", "changes": "\(changes)"])
            }
        }
    }
}
