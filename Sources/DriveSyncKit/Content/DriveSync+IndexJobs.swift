public import ContentIndex
import DriveAPI
import DriveRemote
import DurableQueue
import Foundation
import Metrics
import SQLDatabase
import ServiceState

extension DriveSync {
    /// Reads one changed Drive file into the content index (or takes it out): what `apply-changes` queues
    /// for each file of an indexed account, one job per file however many changes name it.
    public static let processFileKind = "process-file"
    /// Brings the index up to date with Drive folders, as `drivesync index` does: `POST /drive/index`.
    public static let indexKind = "index"

    struct ProcessFileArguments: Codable {
        var account: String?
        var file: String
    }

    struct IndexArguments: Codable {
        var locations: [String]
    }

    /// The `process-file` handler: `{"account": NAME, "file": ID}`.
    func processFileHandler(service: ServiceDatabase) -> JobHandler {
        { execution in
            let arguments = try Self.arguments(
                ProcessFileArguments.self,
                of: execution,
                usage: #"{"account": NAME, "file": ID}"#
            )
            let outcome = try await self.processFile(arguments.file, account: arguments.account, service: service)
            return .completed(result: String(decoding: try JSONEncoder().encode(["outcome": outcome]), as: UTF8.self))
        }
    }

    /// Indexes or removes one file by what Drive says of it now; returns `indexed`, `failed`, `unchanged`,
    /// `removed` or `skipped` (a folder).
    func processFile(_ id: String, account requested: String?, service: ServiceDatabase) async throws -> String {
        try await withDrive(account: requested) { connection in
            let account = connection.account?.name ?? Self.embeddedAccountName
            let client = connection.client
            let file: File
            do {
                file = try await client.getFile(
                    id,
                    fields: Fields(DriveFolderRemote.nodeFields.description + ",driveId")
                )
            } catch let error as DriveAPIError where error.status == 404 {
                try await service.content.remove(account: account, fileIDs: [id])
                return "removed"
            }
            guard let node = DriveFolderRemote.node(file) else {
                try await service.content.remove(account: account, fileIDs: [id])
                return "removed"
            }
            guard !node.isFolder, node.shortcutTarget == nil else { return "skipped" }
            let path = try await Self.drivePath(of: file, client: client)
            let indexable = IndexableFile(node: node, account: account, driveID: file.driveId ?? "", path: path)
            if let known = try await service.content.version(account: account, fileID: id),
                !known.differs(md5: indexable.md5, revision: indexable.revision), known.path == path
            {
                return "unchanged"
            }
            let document = try await self.contentPipeline(client: client).document(for: indexable)
            try await service.content.put(document)
            _ = try await service.state.recordProcessing(
                account: account,
                fileID: id,
                revision: file.headRevisionId,
                status: document.failure == nil ? .processed : .failed,
                error: document.failure.map { "\($0.reason): \($0.detail)" }
            )
            return document.failure == nil ? "indexed" : "failed"
        }
    }

    /// A file's path from its drive's root, its folders' names read up the parents (the root's own name,
    /// "My Drive" or a shared drive's, is not part of it).
    static func drivePath(of file: File, client: DriveClient) async throws -> String {
        var names = [file.name ?? ""]
        var parent = file.parents?.first
        var depth = 0
        while let id = parent, depth < 100 {
            let folder = try await client.getFile(id, fields: "id,name,parents")
            guard let next = folder.parents?.first else { break }
            names.append(folder.name ?? "")
            parent = next
            depth += 1
        }
        return names.reversed().joined(separator: "/")
    }

    /// The `index` handler: `{"locations": ["drive:Charts", ...]}`.
    func indexHandler(service: ServiceDatabase) -> JobHandler {
        { execution in
            let arguments = try Self.arguments(
                IndexArguments.self,
                of: execution,
                usage: #"{"locations": ["drive:PATH", ...]}"#
            )
            let locations: [Location]
            do {
                locations = try await self.indexLocations(arguments.locations)
            } catch {
                throw PermanentJobFailure("\(error)")
            }
            let report = try await self.index(locations, into: service.content)
            return .completed(result: String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
        }
    }
}

extension ServiceDatabase {
    /// Queues a `process-file` job for each of `fileIDs`; a file already waiting keeps its one job.
    func queueProcessFiles(account: String, fileIDs: [String]) async throws {
        guard !fileIDs.isEmpty else { return }
        let jobs = try fileIDs.map { id in
            NewJob(
                kind: DriveSync.processFileKind,
                arguments: String(
                    decoding: try JSONEncoder().encode(
                        DriveSync.ProcessFileArguments(account: DriveSync.driveAccount(account), file: id)
                    ),
                    as: UTF8.self
                ),
                summary: "index file \(id) of \(account)",
                priority: 5,
                maxAttempts: 5,
                uniqueKey: "process-file:\(account):\(id)"
            )
        }
        _ = try await enqueue(jobs)
    }
}

extension DriveJobs {
    /// The files matching `query`, best first.
    public func search(_ query: String, limit: Int, account: String?) async throws -> [SearchHit] {
        try await service.content.search(DriveSync.searchQuery(query), limit: limit, account: account)
    }

    public func indexSummary() async throws -> IndexSummary { try await service.content.summary() }

    /// Queues an `index` run of Drive folders; bad locations throw before anything is queued.
    public func queueIndex(_ locations: [String]) async throws -> JobStatus {
        _ = try await driveSync.indexLocations(locations)
        let arguments = String(
            decoding: try JSONEncoder().encode(DriveSync.IndexArguments(locations: locations)),
            as: UTF8.self
        )
        let queued = try await service.enqueue([
            NewJob(
                kind: DriveSync.indexKind,
                arguments: arguments,
                summary: "index \(locations.isEmpty ? "drive:" : locations.joined(separator: " "))",
                maxAttempts: 3
            )
        ])
        return JobStatus(queued[0])
    }
}
