import DriveAPI
public import DurableQueue
import Foundation
import SQLDatabase
public import ServiceState

extension DriveSync {
    /// The job that reads an account's changes feed into the service's file records: what Drive's push
    /// notifications and the safety poll enqueue, one at a time per account (its unique key).
    public static let applyChangesKind = "apply-changes"

    /// The name file records and cursors use for the embedded local drive.
    static let embeddedAccountName = "embedded"

    /// What one `apply-changes` run read.
    public struct AppliedChanges: Sendable, Hashable, Codable {
        public var pages = 0
        public var changed = 0
        public var removed = 0
        /// The ids of the files changed or removed, for the content index (not in the job's result).
        public var files: [String] = []

        public init() {}

        enum CodingKeys: String, CodingKey { case pages, changed, removed }
    }

    /// Reads the changes feed of `account` (the default account, or the embedded drive, when `nil`) from
    /// the cursor kept in `state` to its end. Each page's file records and the cursor after it are one
    /// transaction, so a crash re-reads at most the page it was on and no page is applied twice; when
    /// another run moved the cursor meanwhile, this one stops. The first run only notes where the feed is.
    /// Every changed or removed file is published to `events` (`file.changed`, `file.removed`).
    public func applyChanges(
        account requested: String?,
        driveID: String = "",
        state: ServiceStateStore,
        events: EventStream
    ) async throws -> AppliedChanges {
        try await withDrive(account: requested) { connection in
            let account = connection.account?.name ?? Self.embeddedAccountName
            let client = connection.client
            let drive = driveID.isEmpty ? nil : driveID
            var applied = AppliedChanges()
            guard var cursor = try await state.changeCursor(account: account, driveID: driveID) else {
                let start = try await client.startPageToken(driveId: drive)
                do {
                    try await state.apply(
                        ChangePage(account: account, driveID: driveID, from: nil, to: start, files: [], removed: [])
                    )
                } catch ServiceStateError.cursorMoved {
                    // Another run noted the start first.
                }
                return applied
            }
            for try await list in client.listChanges(from: cursor, driveId: drive) {
                guard let next = list.nextPageToken ?? list.newStartPageToken else {
                    throw DriveSyncError(.unavailable, "Drive's changes page had no next page token")
                }
                var page = Self.changePage(list.changes ?? [], account: account, from: cursor, to: next)
                page.driveID = driveID
                do {
                    try await state.apply(page)
                } catch ServiceStateError.cursorMoved {
                    return applied
                }
                cursor = next
                applied.pages += 1
                applied.changed += page.files.count
                applied.removed += page.removed.count
                applied.files += page.files.map(\.fileID) + page.removed
                for file in page.files {
                    await events.publish(
                        file.trashed ? "file.removed" : "file.changed",
                        [
                            "account": account, "id": file.fileID, "name": file.name, "trashed": "\(file.trashed)",
                            "parent": file.parentID ?? "",
                        ]
                    )
                }
                for id in page.removed {
                    await events.publish("file.removed", ["account": account, "id": id, "trashed": "false"])
                }
            }
            return applied
        }
    }

    /// One page of Drive's changes as file records: a change without its file is a removal (deleted for
    /// good, or no longer visible to the account).
    static func changePage(_ changes: [Change], account: String, from: String, to: String) -> ChangePage {
        var files: [FileRecord] = []
        var removed: [String] = []
        for change in changes {
            guard let id = change.fileId ?? change.file?.id else { continue }
            guard change.removed != true, let file = change.file else {
                removed.append(id)
                continue
            }
            files.append(
                FileRecord(
                    account: account,
                    fileID: id,
                    driveID: file.driveId ?? "",
                    name: file.name ?? "",
                    parentID: file.parents?.first,
                    mimeType: file.mimeType,
                    md5: file.md5Checksum,
                    revision: file.headRevisionId,
                    modified: file.modifiedTime,
                    trashed: file.trashed ?? false
                )
            )
        }
        return ChangePage(account: account, from: from, to: to, files: files, removed: removed)
    }

    /// The `[pair NAME]`s with `kind = pull` whose source is on `account` (a stored name).
    func pullPairs(of account: String) async throws -> [Configuration.Pair] {
        let names = try await accountNames()
        let fallback = try await defaultAccountName() ?? Self.embeddedAccountName
        return configuration.pairs.filter { pair in
            guard pair.kind == .pull, case .drive(let name, _, _) = try? Location(parsing: pair.source, accounts: names)
            else { return false }
            return (name ?? fallback) == account
        }
    }

    /// What an `apply-changes` job is given: the account (none: the default account or the embedded
    /// drive) and a shared drive's id, or none for the account's own feed.
    struct ApplyChangesArguments: Codable {
        var account: String?
        var drive: String?
    }

    /// The `apply-changes` handler: `{"account": NAME, "drive": ID}`.
    /// When the feed had changes, each changed file of an indexed account (`[service] index`) is queued for
    /// the content index, and the pull pairs reading from that account are queued (one each, however
    /// many runs ask: a pull reads its own folder's changes, so one that holds none of them costs little).
    func applyChangesHandler(service: ServiceDatabase, events: EventStream) -> JobHandler {
        { execution in
            let arguments = try Self.arguments(
                ApplyChangesArguments.self,
                of: execution,
                usage: #"{"account": NAME, "drive": ID}"#
            )
            let applied = try await self.applyChanges(
                account: arguments.account,
                driveID: arguments.drive ?? "",
                state: service.state,
                events: events
            )
            if applied.changed + applied.removed > 0 {
                let account = try await self.accountName(arguments.account) ?? Self.embeddedAccountName
                if self.configuration.service.indexes(account) {
                    try await service.queueProcessFiles(account: account, fileIDs: Array(Set(applied.files)))
                }
                for pair in try await self.pullPairs(of: account) {
                    var spec = JobSpec(pair: pair.name)
                    spec.uniqueKey = "pull:\(pair.name)"
                    _ = try await service.submit(spec, driveSync: self, events: events)
                }
            }
            return .completed(result: String(decoding: try JSONEncoder().encode(applied), as: UTF8.self))
        }
    }
}

extension DriveJobs {
    /// Queues a run of `apply-changes` for `account`, to start after `delay`; while one is queued, it is
    /// that one (a burst of notifications within the delay becomes one run).
    public func applyChanges(account requested: String?, after delay: Duration = .zero) async throws -> JobStatus {
        let name = try await driveSync.accountName(requested) ?? DriveSync.embeddedAccountName
        return JobStatus(try await service.queueApplyChanges(account: name, after: delay))
    }
}
