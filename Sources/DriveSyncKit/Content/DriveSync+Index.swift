public import ContentIndex
import DriveAPI
import DriveRemote
import DriveSyncCore
import Foundation

/// What one `index` run did.
public struct IndexReport: Sendable, Hashable, Codable {
    public var indexed = 0
    public var failed = 0
    public var unchanged = 0
    public var removed = 0
    /// Failed files by reason (`unsupported`, `too_large`, …).
    public var failures: [String: Int] = [:]

    public init() {}
}

/// Progress of an `index` run, after each file.
public struct IndexProgress: Sendable {
    public var done: Int
    public var total: Int
    public var path: String
}

extension DriveSync {
    /// Brings the index up to date with the Drive folders at `locations` (`drive:PATH`, `NAME:PATH`; none:
    /// the default drive's root): new and changed files (by MD5 or revision) are read and indexed, files
    /// gone from Drive leave it, the rest are left alone.
    public func index(
        _ locations: [String],
        database: String? = nil,
        progress: @escaping @Sendable (IndexProgress) -> Void = { _ in }
    ) async throws -> IndexReport {
        let parsed = try await indexLocations(locations)
        return try await withServiceDatabase(database) { database in
            try await index(parsed, into: database.content, progress: progress)
        }
    }

    /// `locations` as Drive locations; a local folder is refused, saying what to give instead.
    func indexLocations(_ locations: [String]) async throws -> [Location] {
        let names = try await accountNames()
        return try (locations.isEmpty ? ["drive:"] : locations).map { text -> Location in
            let location = try Location(parsing: text, accounts: names)
            guard case .drive(_, _, let sharedDrive) = location else {
                throw DriveSyncError(
                    .invalidArgument,
                    "\(text) is a local folder; index reads Drive: give drive:PATH or NAME:PATH"
                )
            }
            // The index keys documents by account and My Drive path, where a shared drive's would collide.
            guard sharedDrive == nil else {
                throw DriveSyncError(
                    .invalidArgument,
                    "\(text) is in a shared drive, which index does not read yet; give a My Drive path"
                )
            }
            return location
        }
    }

    func index(
        _ locations: [Location],
        into store: ContentIndexStore,
        progress: @escaping @Sendable (IndexProgress) -> Void = { _ in }
    ) async throws -> IndexReport {
        var report = IndexReport()
        for location in locations {
            try await index(location, into: store, report: &report, progress: progress)
        }
        return report
    }

    private func index(
        _ location: Location,
        into store: ContentIndexStore,
        report: inout IndexReport,
        progress: @escaping @Sendable (IndexProgress) -> Void
    ) async throws {
        guard case .drive(let requested, let folder, _) = location else { return }
        let account = try await accountName(requested) ?? Self.embeddedAccountName
        // The client lives as long as the remote does (the embedded drive is served only meanwhile).
        let part = try await withRemote(location) { remote in
            guard let drive = remote as? DriveFolderRemote else {
                throw DriveSyncError(.wrongKind, "\(location) is not a Drive folder")
            }
            let files = try await Self.indexableFiles(below: drive, folder: folder, account: account)
            return try await Self.index(
                files,
                under: folder,
                account: account,
                pipeline: contentPipeline(client: drive.drive),
                store: store,
                progress: progress
            )
        }
        report.indexed += part.indexed
        report.failed += part.failed
        report.unchanged += part.unchanged
        report.removed += part.removed
        report.failures.merge(part.failures, uniquingKeysWith: +)
    }

    /// Indexes what changed among `files` (all of `folder`), and removes what the index holds in `folder`
    /// that is no longer there.
    static func index(
        _ files: [IndexableFile],
        under folder: RemotePath,
        account: String,
        pipeline: ContentPipeline,
        store: ContentIndexStore,
        progress: @escaping @Sendable (IndexProgress) -> Void
    ) async throws -> IndexReport {
        var report = IndexReport()
        let known = try await store.versions(account: account)
        let prefix = folder.components.isEmpty ? "" : folder.components.joined(separator: "/") + "/"
        let listed = Set(files.map(\.id))
        let gone = known.filter { id, version in version.path.hasPrefix(prefix) && !listed.contains(id) }
        report.removed = try await store.remove(account: account, fileIDs: Array(gone.keys))
        let changed = files.filter { file in
            known[file.id].map { $0.differs(md5: file.md5, revision: file.revision) || $0.path != file.path } ?? true
        }
        report.unchanged = files.count - changed.count
        var done = 0
        var firstError: (any Error)?
        await forEachConcurrently(changed, limit: 4, while: { firstError == nil }) {
            file -> Result<IndexedDocument, any Error> in
            do {
                return .success(try await pipeline.document(for: file))
            } catch {
                return .failure(error)
            }
        } absorb: { result in
            done += 1
            do {
                let document = try result.get()
                try await store.put(document)
                if let failure = document.failure {
                    report.failed += 1
                    report.failures[failure.reason, default: 0] += 1
                } else {
                    report.indexed += 1
                }
                progress(IndexProgress(done: done, total: changed.count, path: document.path))
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        return report
    }

    /// Every file below a Drive folder with its path from the drive's root.
    static func indexableFiles(
        below remote: DriveFolderRemote,
        folder: RemotePath,
        account: String
    ) async throws -> [IndexableFile] {
        let nodes = try await remote.nodes(below: remote.rootID)
        var paths = [remote.rootID: folder.components.joined(separator: "/")]
        var pending = nodes
        var files: [IndexableFile] = []
        // Parents come before children in a breadth-first listing; a pass or two settles any that do not.
        while !pending.isEmpty {
            var waiting: [RemoteNode] = []
            for node in pending {
                guard let parent = node.parentIDs.lazy.compactMap({ paths[$0] }).first else {
                    waiting.append(node)
                    continue
                }
                let path = parent.isEmpty ? node.name : parent + "/" + node.name
                paths[node.id] = path
                if node.isFolder || node.shortcutTarget != nil { continue }
                files.append(IndexableFile(node: node, account: account, path: path))
            }
            if waiting.count == pending.count { break }
            pending = waiting
        }
        return files
    }

    /// The pipeline the configuration describes: its filename fields and processors.
    func contentPipeline(client: DriveClient) -> ContentPipeline {
        ContentPipeline(client: client, fieldRules: configuration.fields, processors: configuration.processors)
    }

    /// The files matching `query` (the query language of `SearchQuery`), best first.
    public func search(
        _ query: String,
        limit: Int = 20,
        account: String? = nil,
        database: String? = nil
    ) async throws -> [SearchHit] {
        let parsed = try Self.searchQuery(query)
        return try await withServiceDatabase(database) { database in
            try await database.content.search(parsed, limit: limit, account: account)
        }
    }

    /// `text` in the query language; a query it cannot read is the caller's mistake, said as such.
    static func searchQuery(_ text: String) throws -> SearchQuery {
        do {
            return try SearchQuery(parsing: text)
        } catch {
            throw DriveSyncError(.invalidArgument, "cannot read the query: \(error)")
        }
    }

    /// What the index holds, by outcome, format and failure reason.
    public func indexSummary(database: String? = nil) async throws -> IndexSummary {
        try await withServiceDatabase(database) { try await $0.content.summary() }
    }
}
