public import DriveSyncCore
import Foundation
import LocalFiles
public import SyncEngine
public import SyncState

extension DriveSync {
    /// One sync (or copy) of a local folder onto a location.
    public struct SyncRequest: Sendable {
        public var source: String
        public var destination: Location
        /// Mirror local deletions (never for `copy`).
        public var delete = false
        public var deletionLimit: DeletionLimit?
        public var dryRun = false
        /// Hash every file, not only those whose size or time changed.
        public var checksum = false
        /// Upload files even when they look unchanged (the remote copy is still kept aside first).
        public var force = false
        public var transfers: Int?
        public var checkers: Int?
        public var tags: [String] = []
        public var note: String?
        /// Only these paths (`retry`).
        public var only: Set<RemotePath>?
        public var progress: (@Sendable (SyncProgress) -> Void)?
        /// Once requested, no new action starts (graceful shutdown).
        public var stop: StopRequest?

        public init(source: String, destination: Location) {
            self.source = source
            self.destination = destination
        }
    }

    /// Runs a sync under the pair's lock. Bad input is refused before anything changes.
    public func sync(_ request: SyncRequest) async throws -> SyncSession.Outcome {
        let source = URL(fileURLWithPath: request.source).standardizedFileURL.path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isFolder), isFolder.boolValue else {
            throw DriveSyncError(.wrongKind, "\(request.source) is not a folder; give the folder to mirror")
        }
        if case .local(let target) = request.destination,
            target == source || target.hasPrefix(source + "/") || source.hasPrefix(target + "/")
        {
            throw DriveSyncError(
                .overlap,
                "the source and destination overlap (\(source), \(target)); choose folders outside each other"
            )
        }
        var planner = SyncPlanner.Options(
            delete: request.delete,
            alwaysChecksum: request.checksum,
            force: request.force
        )
        switch request.deletionLimit {
        case .count(let count)?: planner.maxDelete = count
        case .fraction(let fraction)?: planner.maxDeleteFraction = fraction
        case nil: break
        }
        var executor = SyncExecutor.Options(
            transfers: request.transfers ?? configuration.transfers,
            archiveRoot: configuration.archiveFolder,
            removeToTrash: configuration.removals == .trash,
            keepReplacedAsRevision: configuration.replaced == .revision,
            tags: request.tags,
            note: request.note,
            logs: logs,
            progress: request.progress,
            stop: request.stop
        )
        executor.uploadLedger = try await uploadLedger(for: request.destination)
        let executorOptions = executor
        let plannerOptions = planner
        let scanner = LocalScanner(options: .init(extraIgnores: configuration.ignore))
        let checkers = request.checkers ?? configuration.checkers
        do {
            return try await withPair(source: source, destination: request.destination) { state in
                let run: @Sendable (any Remote) async throws -> SyncSession.Outcome = { remote in
                    let session = SyncSession(
                        localRoot: source,
                        remote: remote,
                        state: state,
                        planner: SyncPlanner(options: plannerOptions),
                        executorOptions: executorOptions,
                        scanner: scanner,
                        checkers: checkers,
                        logger: logger
                    )
                    return try await session.run(dryRun: request.dryRun, only: request.only)
                }
                do {
                    return try await withRemote(request.destination, create: !request.dryRun, state: state, run)
                } catch is DestinationMissing where request.dryRun {
                    // A dry run creates nothing: against a destination not made yet, everything is to do.
                    return try await run(EmptyRemote())
                }
            }
        } catch {
            await logCredentialFailure(
                error,
                file: source,
                destination: request.destination,
                tags: request.tags,
                note: request.note
            )
            throw error
        }
    }

    /// The ledger of the account a location uploads to, in the data folder: none for local folders, the
    /// embedded drive, or an account with `daily_upload_limit = 0`.
    func uploadLedger(for location: Location) async throws -> UploadLedger? {
        guard case .drive(let requested, _, _) = location, let name = try await accountName(requested) else {
            return nil
        }
        let configured = configuration.account(named: name)
        guard let limit = configured == nil ? UploadLedger.driveDailyLimit : configured?.dailyUploadLimit else {
            return nil
        }
        let folder = home + "/ledgers"
        let path = folder + "/" + Self.fileName(for: name) + ".sqlite"
        return try await offload {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            return try UploadLedger(path: path, limit: limit)
        }
    }

    /// Failed uploads of every known pair, or of one.
    public func failedUploads() async throws -> [(pair: SyncPair, failures: [FailedUpload])] {
        var result: [(SyncPair, [FailedUpload])] = []
        for (state, pair) in try await knownPairs() {
            let failures = try await state.failures.failedUploads()
            if !failures.isEmpty { result.append((pair, failures)) }
        }
        return result
    }

    /// Forgets what a pair synced (`tracker clear`): the next sync compares both sides in full and
    /// uploads nothing that is already there.
    public func clearTracker(source: String, destination: Location) async throws -> Int {
        let source = URL(fileURLWithPath: source).standardizedFileURL.path
        guard
            FileManager.default.fileExists(atPath: stateLocation(source: source, destination: destination) + ".sqlite")
        else { return 0 }
        return try await withPair(source: source, destination: destination) { state in
            let count = try await state.items.syncedItems().count
            try await state.items.clearSynced()
            return count
        }
    }

    /// What a pair's state tracks.
    public struct PairStatistics: Sendable {
        public var pair: SyncPair
        public var files = 0
        public var folders = 0
        public var bytes: Int64 = 0
        /// Epoch milliseconds of the most recent synced file.
        public var lastSynced: Int64?
        public var failed: [FailedUpload] = []
        public var pendingCreates = 0
        public var followsChangesFeed = false
    }

    public func statistics() async throws -> [PairStatistics] {
        var result: [PairStatistics] = []
        for (state, pair) in try await knownPairs() {
            var statistics = PairStatistics(pair: pair)
            for item in try await state.items.syncedItems() {
                if item.kind == .folder { statistics.folders += 1 } else { statistics.files += 1 }
                statistics.bytes += item.size
                if let synced = item.lastSynced { statistics.lastSynced = max(statistics.lastSynced ?? 0, synced) }
            }
            statistics.failed = try await state.failures.failedUploads()
            statistics.pendingCreates = try await state.intents.pendingIntents().count
            statistics.followsChangesFeed = try await state.tree.cursor() != nil
            result.append(statistics)
        }
        return result
    }
}
