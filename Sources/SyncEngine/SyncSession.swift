import Crypto
public import DriveSyncCore
public import Foundation
public import SyncState

/// One sync run, local folder onto a remote: scan, list, hash what the plan needs, plan, execute.
public struct SyncSession: Sendable {
    public let localRoot: String
    public let remote: any Remote
    public let state: StateStore
    public var planner: SyncPlanner
    public var executorOptions: SyncExecutor.Options
    public var scanner: LocalScanner

    public init(localRoot: String, remote: any Remote, state: StateStore, planner: SyncPlanner = .init(), executorOptions: SyncExecutor.Options = .init(), scanner: LocalScanner = .init()) {
        self.localRoot = localRoot
        self.remote = remote
        self.state = state
        self.planner = planner
        self.executorOptions = executorOptions
        self.scanner = scanner
    }

    public struct Outcome: Sendable {
        public var plan: SyncPlan
        public var report: SyncReport?
        public var warnings: [LocalScanner.Warning]
    }

    /// Runs the sync; with `dryRun`, returns the plan and changes nothing.
    public func run(dryRun: Bool = false, now: @escaping @Sendable () -> Date = { Date() }) async throws -> Outcome {
        let scan = try scanner.scan(root: localRoot)
        let archive = executorOptions.archiveRoot
        let remoteEntries = try await listRecursively(skipping: archive)
        let synced = try await state.syncedItems()
        var items = scan.items
        let needed = planner.hashesNeeded(local: items, state: synced, remote: remoteEntries)
        for index in items.indices where needed.contains(items[index].path) {
            items[index].md5 = try Self.md5(ofFile: localRoot + "/" + items[index].path.description)
        }
        // The archive folder on the remote is DriveSync's own: never planned against.
        let plan = try planner.plan(
            local: items.filter { !archive.contains($0.path) },
            state: synced,
            remote: remoteEntries,
            scanComplete: scan.isComplete
        )
        guard !dryRun else { return Outcome(plan: plan, report: nil, warnings: scan.warnings) }
        let report = await SyncExecutor(remote: remote, state: state, localRoot: localRoot, options: executorOptions, now: now).run(plan, local: items)
        return Outcome(plan: plan, report: report, warnings: scan.warnings)
    }

    private func listRecursively(skipping archive: RemotePath) async throws -> [RemoteEntry] {
        var entries: [RemoteEntry] = []
        var folders: [RemotePath] = [.root]
        while let folder = folders.popLast() {
            for entry in try await remote.list(folder) where !archive.contains(entry.path) {
                entries.append(entry)
                if entry.isFolder { folders.append(entry.path) }
            }
        }
        return entries
    }

    /// MD5 of a file, read in 1 MiB pieces.
    static func md5(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ScanError(path: path, message: "cannot be read") }
        defer { try? handle.close() }
        var hasher = Insecure.MD5()
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty { hasher.update(data: data) }
        return Hex.lowercase(hasher.finalize())
    }
}
