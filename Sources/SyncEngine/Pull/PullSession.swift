import Crypto
public import DriveSyncCore
public import Foundation
import LocalFiles
public import SyncState

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One pull: a remote folder mirrored into a local one. The remote tree comes from the state and the
/// changes feed after the first pull (which lists it), is laid out as local paths, planned against the
/// local folder and the state, and executed with safe writes: each file goes to a partial file under
/// `.drivesync/partial/`, is verified, flushed, given Drive's time and renamed into place. An
/// interrupted download continues from its partial file on the next pull.
public struct PullSession: Sendable {
    public struct Options: Sendable {
        public var shortcuts: PullLayout.Shortcuts
        /// Export formats by extension, most wanted first.
        public var exportPreferences: [String]
        /// Move local files Drive no longer has to DriveSync's trash.
        public var delete: Bool
        /// Files fetched at once.
        public var transfers: Int
        /// Once requested, no new file starts; those in flight finish.
        public var stop: StopRequest?
        /// Told as each file is fetched (or fails), for progress lines.
        public var fileFinished: (@Sendable (RemotePath, _ failed: Bool) -> Void)?

        public init(
            shortcuts: PullLayout.Shortcuts = .follow,
            exportPreferences: [String] = ExportFormat.defaultPreferences,
            delete: Bool = false,
            transfers: Int = 4,
            stop: StopRequest? = nil
        ) {
            self.shortcuts = shortcuts
            self.exportPreferences = exportPreferences
            self.delete = delete
            self.transfers = max(1, transfers)
            self.stop = stop
        }
    }

    public let remote: any RemoteTree
    public let localRoot: String
    public let state: StateStore
    public var options: Options
    public var logs: SyncLogs

    /// DriveSync's own folder in the local root: partial downloads and the trash.
    public static let dataFolder = ".drivesync"

    public init(
        remote: any RemoteTree,
        localRoot: String,
        state: StateStore,
        options: Options = .init(),
        logs: SyncLogs = .init()
    ) {
        self.remote = remote
        self.localRoot = URL(fileURLWithPath: localRoot).standardizedFileURL.path
        self.state = state
        self.options = options
        self.logs = logs
    }

    public struct Outcome: Sendable {
        public var actions: [PullAction]
        public var notes: [PullLayout.Note]
        public var remoteView: SyncSession.RemoteView
        /// `nil` for a dry run.
        public var report: PullReport?
        public var warnings: [LocalScanner.Warning]
    }

    public func run(dryRun: Bool = false, now: @escaping @Sendable () -> Date = { Date() }) async throws -> Outcome {
        let tree = try await remoteTree()
        let exports =
            tree.nodes.values.contains(where: \.isDocument)
            ? ExportFormat.choose(options.exportPreferences, available: try await remote.exportFormats()) : [:]
        let layout = PullLayout.build(
            rootID: remote.rootID,
            nodes: tree.nodes,
            options: .init(shortcuts: options.shortcuts, exports: exports)
        )
        if !dryRun { try FileManager.default.createDirectory(atPath: localRoot, withIntermediateDirectories: true) }
        let scanner = LocalScanner(
            options: .init(useDefaultIgnores: false, extraIgnores: ["/\(Self.dataFolder)/"], readsIgnoreFiles: false)
        )
        let scan = try await offload { [localRoot] in
            FileManager.default.fileExists(atPath: localRoot)
                ? try scanner.scan(root: localRoot) : LocalScanner.Result(items: [], warnings: [], isComplete: true)
        }
        let actions = PullPlanner.plan(
            targets: layout.targets,
            local: scan.items,
            state: try await state.items.syncedItems(),
            delete: options.delete && scan.isComplete
        )
        // Forgetting a record is bookkeeping, not something to show.
        let shown = actions.filter { if case .forget = $0 { false } else { true } }
        if dryRun {
            return Outcome(
                actions: shown,
                notes: layout.notes,
                remoteView: tree.view,
                report: nil,
                warnings: scan.warnings
            )
        }
        for note in layout.notes { try await logs.pulls?.append(note.logEntry(at: now())) }
        let executor = PullExecutor(
            remote: remote,
            root: localRoot,
            state: state,
            logs: logs,
            transfers: options.transfers,
            stop: options.stop,
            fileFinished: options.fileFinished,
            now: now
        )
        let report = await executor.run(actions)
        // The tree is remembered whatever the local outcome: a failed file is planned again next time.
        try await state.tree.updateRemoteNodes(upserted: tree.upserted, removed: tree.removed, cursor: tree.cursor)
        return Outcome(
            actions: shown,
            notes: layout.notes,
            remoteView: tree.view,
            report: report,
            warnings: scan.warnings
        )
    }

    // MARK: The remote tree

    struct Tree {
        var nodes: [String: RemoteNode]
        var view: SyncSession.RemoteView
        var upserted: [RemoteNode]
        /// `nil` when the whole tree was listed (it replaces the stored one).
        var removed: [String]?
        var cursor: String
    }

    /// The stored tree with the changes feed applied, or, on a first pull, the listed tree.
    func remoteTree() async throws -> Tree {
        let stored = try await state.tree.remoteNodes()
        guard let cursor = try await state.tree.cursor(), !stored.isEmpty else {
            let cursor = try await remote.changeCursor()  // before listing: nothing that happens meanwhile is missed
            var nodes = Dictionary(
                try await remote.nodes(below: remote.rootID).map { ($0.id, $0) },
                uniquingKeysWith: { _, last in last }
            )
            try await addShortcutTargets(to: &nodes)
            nodes = reachable(nodes)
            return Tree(nodes: nodes, view: .listed, upserted: Array(nodes.values), removed: nil, cursor: cursor)
        }
        let storedByID = Dictionary(stored.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        var nodes = storedByID
        let (changes, next) = try await remote.nodeChanges(since: cursor)
        var newFolders: [String] = []
        for change in changes {
            let known = nodes[change.id] != nil
            let arriving = change.node?.parentIDs.contains { $0 == remote.rootID || nodes[$0] != nil } ?? false
            guard known || arriving else { continue }  // elsewhere on the drive
            nodes[change.id] = change.node
            if let node = change.node, node.isFolder, !known { newFolders.append(node.id) }
        }
        // A folder moved in brings contents the feed does not mention.
        for folder in newFolders {
            for node in try await remote.nodes(below: folder) { nodes[node.id] = node }
        }
        try await addShortcutTargets(to: &nodes)
        nodes = reachable(nodes)
        let upserted = nodes.values.filter { storedByID[$0.id] != $0 }
        let removed = stored.map(\.id).filter { nodes[$0] == nil }
        return Tree(nodes: nodes, view: .fromChangesFeed, upserted: upserted, removed: removed, cursor: next)
    }

    /// Followed shortcuts need what they point to, which may lie outside the pulled folder.
    private func addShortcutTargets(to nodes: inout [String: RemoteNode]) async throws {
        guard options.shortcuts == .follow else { return }
        var pending = nodes.values.compactMap(\.shortcutTarget).filter { nodes[$0] == nil }
        while let id = pending.popLast() {
            guard nodes[id] == nil, let target = try await remote.node(id: id) else { continue }
            nodes[id] = target
            if target.isFolder {
                for node in try await remote.nodes(below: id) {
                    nodes[node.id] = node
                    if let next = node.shortcutTarget, nodes[next] == nil { pending.append(next) }
                }
            }
        }
    }

    /// The nodes reachable from the root (through followed shortcuts): what the state keeps.
    private func reachable(_ nodes: [String: RemoteNode]) -> [String: RemoteNode] {
        var children: [String: [String]] = [:]
        for node in nodes.values {
            for parent in node.parentIDs { children[parent, default: []].append(node.id) }
        }
        var kept: [String: RemoteNode] = [:]
        var pending = [remote.rootID]
        while let id = pending.popLast() {
            for child in children[id] ?? [] where kept[child] == nil {
                guard let node = nodes[child] else { continue }
                kept[child] = node
                pending.append(child)
                if options.shortcuts == .follow, let target = node.shortcutTarget, kept[target] == nil,
                    let targetNode = nodes[target]
                {
                    kept[target] = targetNode
                    pending.append(target)
                }
            }
        }
        return kept
    }
}
