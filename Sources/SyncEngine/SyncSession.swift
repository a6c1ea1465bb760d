import Crypto
public import DriveSyncCore
public import Foundation
import LocalFiles
public import Logging
public import SyncState

/// One sync run, local folder onto a remote: scan, learn what changed remotely (from the changes feed
/// when the remote has one and the state can be trusted, else by listing), hash what the plan needs,
/// plan, execute.
public struct SyncSession: Sendable {
    public let localRoot: String
    public let remote: any Remote
    public let state: StateStore
    public var planner: SyncPlanner
    public var executorOptions: SyncExecutor.Options
    public var scanner: LocalScanner
    /// Files hashed at once (rclone's --checkers).
    public var checkers: Int
    public var logger: Logger

    public init(
        localRoot: String,
        remote: any Remote,
        state: StateStore,
        planner: SyncPlanner = .init(),
        executorOptions: SyncExecutor.Options = .init(),
        scanner: LocalScanner = .init(),
        checkers: Int = 8,
        logger: Logger = Logger(label: "drivesync.sync")
    ) {
        self.localRoot = localRoot
        self.remote = remote
        self.state = state
        self.planner = planner
        self.executorOptions = executorOptions
        self.scanner = scanner
        self.checkers = max(1, checkers)
        self.logger = logger
    }

    public struct Outcome: Sendable {
        public var plan: SyncPlan
        public var report: SyncReport?
        public var warnings: [LocalScanner.Warning]
        /// How the remote side was learned.
        public var remoteView: RemoteView
        /// How long each phase took (scan, state, remote, hash, plan, execute), for --verbose.
        public var phases: [(name: String, duration: Duration)] = []
    }

    public enum RemoteView: Sendable, Hashable {
        /// Listed folder by folder.
        case listed
        /// The changes feed held nothing for this tree: the state stood in for a listing.
        case fromChangesFeed
    }

    /// Runs the sync; with `dryRun`, returns the plan and changes nothing.
    /// - Parameter only: when given, only actions for these paths (and the folders they need) are run:
    ///   how `drivesync retry` re-sends failed uploads.
    public func run(
        dryRun: Bool = false,
        only: Set<RemotePath>? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> Outcome {
        let clock = ContinuousClock()
        var phases: [(name: String, duration: Duration)] = []
        var phaseStart = clock.now
        func endPhase(_ name: String) {
            phases.append((name, clock.now - phaseStart))
            phaseStart = clock.now
        }
        let scan = try await offload { [scanner, localRoot] in try scanner.scan(root: localRoot) }
        endPhase("scan")
        let archive = executorOptions.archiveRoot
        let synced = try await state.items.syncedItems()
        let intents = try await state.intents.pendingIntents()
        endPhase("state")
        let (remoteEntries, view, nextCursor) = try await remoteSide(state: synced, skipping: archive)
        endPhase(view == .listed ? "remote listing" : "changes feed")
        var items = scan.items.filter { !archive.contains($0.path) }  // the remote archive is DriveSync's own
        let needed = planner.hashesNeeded(local: items, state: synced, remote: remoteEntries, intents: intents)
        try await hash(&items, needed)
        endPhase("hash (\(needed.count) files)")
        var plan = try planner.plan(
            local: items,
            state: synced,
            remote: remoteEntries,
            scanComplete: scan.isComplete,
            intents: intents
        )
        if let only { plan.actions = plan.actions.filter { Self.path(of: $0, isNeededBy: only) } }
        endPhase("plan")
        guard !dryRun else {
            return Outcome(plan: plan, report: nil, warnings: scan.warnings, remoteView: view, phases: phases)
        }
        // What the run learned of the remote spares the executor lookups; a run with nothing to do needs none.
        if !plan.actions.isEmpty, let caching = remote as? any PathCachingRemote {
            await caching.remember(remoteEntries)
        }
        let report = await SyncExecutor(
            remote: remote,
            state: state,
            localRoot: localRoot,
            options: executorOptions,
            now: now
        ).run(plan, local: items)
        endPhase("execute")
        // Changes this run made match the state, so the feed can continue from where this run began. A
        // stopped run has not acted on everything the feed said: the next one reads it again.
        if let nextCursor, report.credentialProblem == nil, !report.stopped {
            try await state.tree.setCursor(nextCursor)
        }
        return Outcome(plan: plan, report: report, warnings: scan.warnings, remoteView: view, phases: phases)
    }

    private static func path(of action: SyncAction, isNeededBy paths: Set<RemotePath>) -> Bool {
        let path = SyncExecutor.path(of: action)
        switch action {
        case .makeFolder, .adoptFolder: return paths.contains { path.contains($0) }
        default: return paths.contains(path)
        }
    }

    /// The remote entries, how they were learned, and the changes cursor to store after the run.
    private func remoteSide(
        state synced: [SyncedItem],
        skipping archive: RemotePath
    ) async throws -> ([RemoteEntry], RemoteView, String?) {
        guard let tracking = remote as? any ChangeTrackingRemote else {
            return (try await remote.listRecursively(skipping: archive), .listed, nil)
        }
        if let cursor = try await state.tree.cursor(), !synced.isEmpty, ChangeFeedFilter.coversTree(synced) {
            do {
                let (changes, next) = try await tracking.changes(since: cursor)
                let view = ChangeFeedFilter.remoteView(from: synced)
                if ChangeFeedFilter.relevant(changes, state: synced, rootID: tracking.rootID).isEmpty {
                    return (view, .fromChangesFeed, next)
                }
                // N remote changes cost the feed's pages, not a listing, unless only a listing can tell.
                if let applied = ChangeFeedFilter.apply(changes, to: view, rootID: tracking.rootID, skipping: archive) {
                    return (applied, .fromChangesFeed, next)
                }
                return (try await remote.listRecursively(skipping: archive), .listed, next)
            } catch  where !Task.isCancelled && !isCancellation(error) {
                // An expired or refused cursor costs a listing, not the run.
                logger.info("changes feed unavailable; listing the remote instead", metadata: ["error": "\(error)"])
            }
        }
        // No usable cursor: take one before listing, so nothing that happens meanwhile is missed.
        let cursor = try await tracking.changeCursor()
        return (try await remote.listRecursively(skipping: archive), .listed, cursor)
    }

    /// Fills in the MD5 of the `needed` items, `checkers` files at a time.
    private func hash(_ items: inout [LocalItem], _ needed: Set<RemotePath>) async throws {
        let indices = items.indices.filter { needed.contains(items[$0].path) }
        let root = localRoot
        let paths = indices.map { root + "/" + items[$0].path.description }
        var digests = [String?](repeating: nil, count: indices.count)
        var failure: (any Error)?
        await forEachConcurrently(Array(paths.enumerated()), limit: checkers, while: { failure == nil }) {
            position,
            path -> (Int, Result<String, any Error>) in
            do {
                return (position, .success(try await offload { try FileDigest.md5(ofFile: path) }))
            } catch {
                return (position, .failure(error))
            }
        } absorb: { position, digest in
            do { digests[position] = try digest.get() } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
        for (position, index) in indices.enumerated() { items[index].md5 = digests[position] }
    }
}

extension Remote {
    /// Every entry below `start`, folders included, leaving out `archive` and what is in it; sorted.
    public func listRecursively(
        under start: RemotePath = .root,
        skipping archive: RemotePath? = nil
    ) async throws -> [RemoteEntry] {
        var entries: [RemoteEntry] = []
        var folders: [RemotePath] = [start]
        while let folder = folders.popLast() {
            for entry in try await list(folder) where !(archive?.contains(entry.path) ?? false) {
                entries.append(entry)
                if entry.isFolder { folders.append(entry.path) }
            }
        }
        return entries.sorted { $0.path < $1.path }
    }
}
