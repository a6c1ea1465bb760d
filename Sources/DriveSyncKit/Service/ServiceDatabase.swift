public import ContentIndex
public import DurableQueue
public import ServiceState

/// The service's database, opened and migrated: the job queue, the state every process of the service
/// shares (API keys, credentials, change cursors and file records, channels, events) and the content index.
public struct ServiceDatabase: Sendable {
    public let jobs: JobDatabase
    public let state: ServiceStateStore
    public let apiKeys: APIKeyStore
    public let content: ContentIndexStore

    public func close() async { await jobs.close() }
}

extension DriveSync {
    /// Opens the service's database (`override` is `--database`; see `serviceDatabaseLocation`), creating and
    /// migrating its tables; `connections` bounds PostgreSQL's pool.
    public func openServiceDatabase(_ override: String? = nil, connections: Int = 4) async throws -> ServiceDatabase {
        let location = try serviceDatabaseLocation(override: override)
        let jobs: JobDatabase
        do {
            jobs = try await JobDatabase.open(location, connections: connections, logger: logger)
        } catch {
            throw DriveSyncError(.unavailable, "\(error)")
        }
        let state = ServiceStateStore(backend: jobs.backend)
        let content = ContentIndexStore(backend: jobs.backend)
        do {
            try await state.migrate()
            try await content.migrate()
        } catch {
            await jobs.close()
            throw DriveSyncError(.unavailable, "cannot open the database \(location): \(String(reflecting: error))")
        }
        return ServiceDatabase(
            jobs: jobs,
            state: state,
            apiKeys: APIKeyStore(state: state, legacyFile: home + "/service/api-keys.json"),
            content: content
        )
    }

    /// Runs `body` with the service's database open, closing it after.
    public func withServiceDatabase<T: Sendable>(
        _ override: String? = nil,
        connections: Int = 4,
        _ body: (ServiceDatabase) async throws -> T
    ) async throws -> T {
        let database = try await openServiceDatabase(override, connections: connections)
        do {
            let value = try await body(database)
            await database.close()
            return value
        } catch {
            await database.close()
            throw error
        }
    }
}
