import DriveAPI
import DriveRemote
import Foundation

/// The Drive connections of a long-running process (the service): one client per account, made on first
/// use and kept, so a token is refreshed once however many requests wait for it, and one folder cache per
/// account, so concurrent requests make a folder once. With no account configured, the embedded local
/// drive is served for as long as the connections live.
public actor DriveConnections {
    public nonisolated let driveSync: DriveSync
    private let embedded: DriveClient?
    /// Opened, or being opened, by account (`nil` the embedded drive): concurrent first requests share one.
    private var opened: [String?: Task<DriveFiles, any Error>] = [:]

    init(driveSync: DriveSync, embedded: DriveClient?) {
        self.driveSync = driveSync
        self.embedded = embedded
    }

    /// The files of `account`, or of the default account (the embedded drive when none is configured).
    public func files(account requested: String?) async throws -> DriveFiles {
        let name = try await driveSync.accountName(requested)
        if let opening = opened[name] { return try await opening.value }
        let connection: DriveSync.Connection
        if let name {
            connection = try await driveSync.connection(account: name)
        } else if let embedded {
            connection = DriveSync.Connection(client: embedded, account: nil)
        } else {
            throw DriveSyncError(
                .unknownAccount,
                "no account is configured; connect one at /drive/auth/start?account=NAME or run drivesync auth login NAME"
            )
        }
        let cache = MetadataCache.Settings(
            timeToLive: driveSync.configuration.service.cacheTimeToLive,
            capacity: driveSync.configuration.service.cacheEntries
        )
        let opening = Task { try await Self.open(connection, cache: cache) }
        opened[name] = opening
        do {
            return try await opening.value
        } catch {
            opened[name] = nil  // the next request tries again (the credential may be fixed by then)
            throw error
        }
    }

    /// Applies the changes feed of each open account not in `watched` to its metadata cache (a watched
    /// account's cache follows its `apply-changes` events instead); a feed that cannot be read is logged and
    /// tried again next time. Returns how many changes each account (`nil`: the embedded drive) had.
    @discardableResult
    public func applyChanges(except watched: Set<String> = []) async -> [(account: String?, changes: Int)] {
        var seen: [(account: String?, changes: Int)] = []
        for (name, opening) in opened where !watched.contains(name ?? DriveSync.embeddedAccountName) {
            do {
                seen.append((name, try await opening.value.applyChanges()))
            } catch {
                driveSync.logger.info(
                    "the changes feed could not be read; the cache relies on its time to live",
                    metadata: ["account": "\(name ?? "embedded")", "error": "\(error)"]
                )
            }
        }
        return seen
    }

    /// Forgets the cached metadata of the file a `file.changed` or `file.removed` event names.
    public func invalidate(for event: EventStream.Event) async {
        guard event.type == "file.changed" || event.type == "file.removed", let id = event.data["id"],
            let account = event.data["account"],
            let files = try? await opened[DriveSync.driveAccount(account)]?.value
        else { return }
        await files.invalidate(items: [id], parents: [event.data["parent"] ?? ""].filter { !$0.isEmpty })
    }

    /// Drops what is kept for `account`, after its credential changed or was revoked.
    public func forget(account: String) { opened[account] = nil }

    private static func open(
        _ connection: DriveSync.Connection,
        cache: MetadataCache.Settings
    ) async throws -> DriveFiles {
        let base = try await connection.client.getFile("root", fields: .id).id ?? "root"
        let remote = try await DriveFolderRemote.atPath(
            connection.root,
            below: base,
            drive: connection.client,
            create: true
        )
        let files = DriveFiles(connection: connection, folders: remote, cache: MetadataCache(settings: cache))
        try await files.applyChanges()  // notes where the changes feed is now
        return files
    }
}

extension DriveSync {
    /// Runs `body` with connections kept for its whole length; the embedded local drive is served
    /// throughout when no account is configured or signed in.
    public func withConnections<Result: Sendable>(
        _ body: @escaping @Sendable (DriveConnections) async throws -> Result
    ) async throws -> Result {
        guard try await accountNames().isEmpty else {
            return try await body(DriveConnections(driveSync: self, embedded: nil))
        }
        return try await withEmbeddedDrive { client in
            var shared = self
            shared.embeddedClient = client
            return try await body(DriveConnections(driveSync: shared, embedded: client))
        }
    }
}
