public import DriveSyncCore
public import Foundation

/// What a job does, as an application asks for it (`POST /drive/jobs`): a kind with the locations and
/// options of the matching command, or a configured pair.
public struct JobSpec: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case sync
        case copy
        case pull
        case backupPush = "backup-push"
        case check
    }

    /// The matching command's flags.
    public struct Options: Codable, Sendable, Hashable {
        public var dryRun: Bool?
        /// Mirror deletions (`sync` and `pull`).
        public var delete: Bool?
        /// `--max-delete`: a count or a share (`10%`).
        public var maxDelete: String?
        public var checksum: Bool?
        public var force: Bool?
        public var transfers: Int?
        public var tags: [String]?
        public var note: String?
        /// `pull --export-formats`.
        public var exportFormats: String?

        public init() {}

        enum CodingKeys: String, CodingKey {
            case delete, checksum, force, transfers, tags, note
            case dryRun = "dry_run"
            case maxDelete = "max_delete"
            case exportFormats = "export_formats"
        }
    }

    public var kind: Kind?
    public var source: String?
    public var destination: String?
    public var options: Options?
    /// A `[pair NAME]` of the configuration instead of kind, source and destination.
    public var pair: String?
    /// Higher runs first (-1000 to 1000; 0 by default).
    public var priority: Int?
    /// Attempts before the job is dead (1 to 100; 3 by default). Failed attempts retry with backoff.
    public var maxAttempts: Int?
    /// While a queued job has this key, submitting another with it returns that job.
    public var uniqueKey: String?

    enum CodingKeys: String, CodingKey {
        case kind, source, destination, options, pair, priority
        case maxAttempts = "max_attempts"
        case uniqueKey = "unique_key"
    }

    public init(kind: Kind? = nil, source: String? = nil, destination: String? = nil, options: Options? = nil) {
        self.kind = kind
        self.source = source
        self.destination = destination
        self.options = options
    }

    public init(pair: String) { self.pair = pair }
}

/// A job spec checked against the configuration: a known kind, locations that parse, options that fit.
public struct PreparedJob: Sendable {
    public enum Work: Sendable {
        case sync(DriveSync.SyncRequest)
        case pull(DriveSync.PullRequest)
        case check(source: String, destination: Location)
    }

    public var kind: JobSpec.Kind
    public var work: Work
    /// `source -> destination`, for listings.
    public var summary: String
}

extension DriveSync {
    /// Checks `spec` and turns it into the request its command would make; bad input is refused here,
    /// before anything runs.
    public func prepare(_ spec: JobSpec) async throws -> PreparedJob {
        if let priority = spec.priority, !(-1000...1000).contains(priority) {
            throw DriveSyncError(.invalidArgument, "priority is from -1000 to 1000, not \(priority)")
        }
        if let attempts = spec.maxAttempts, !(1...100).contains(attempts) {
            throw DriveSyncError(.invalidArgument, "max_attempts is from 1 to 100, not \(attempts)")
        }
        if let key = spec.uniqueKey, key.isEmpty || key.count > 200 {
            throw DriveSyncError(.invalidArgument, "unique_key is 1 to 200 characters")
        }
        let accounts = try await accountNames()
        var spec = spec
        if let name = spec.pair {
            guard let pair = configuration.pairs.first(where: { $0.name == name }) else {
                throw DriveSyncError(
                    .invalidArgument,
                    "no pair called '\(name)'; add [pair \(name)] with source and destination to the configuration"
                )
            }
            var options = spec.options ?? .init()
            if pair.delete, options.delete == nil { options.delete = true }
            spec = JobSpec(kind: pair.kind, source: pair.source, destination: pair.destination, options: options)
        }
        guard let kind = spec.kind else {
            throw DriveSyncError(
                .invalidArgument,
                "say what the job does: kind is \(JobSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")), or name a pair"
            )
        }
        guard let source = spec.source, !source.isEmpty, let destination = spec.destination, !destination.isEmpty else {
            throw DriveSyncError(.invalidArgument, "a \(kind.rawValue) job needs a source and a destination")
        }
        let options = spec.options ?? .init()
        if let transfers = options.transfers, !(1...64).contains(transfers) {
            throw DriveSyncError(.invalidArgument, "transfers is from 1 to 64, not \(transfers)")
        }
        let summary = "\(source) -> \(destination)"
        switch kind {
        case .sync, .copy, .backupPush:
            var request = SyncRequest(
                source: source,
                destination: try Location(parsing: destination, accounts: accounts)
            )
            request.delete = kind == .sync && options.delete == true
            if let limit = options.maxDelete {
                guard let parsed = DeletionLimit(parsing: limit) else {
                    throw DriveSyncError(.invalidArgument, "max_delete is a count or a share like 10%, not '\(limit)'")
                }
                request.deletionLimit = parsed
            }
            request.dryRun = options.dryRun ?? false
            request.checksum = options.checksum ?? false
            request.force = options.force ?? false
            request.transfers = options.transfers
            request.tags = options.tags ?? (kind == .backupPush ? ["backup"] : [])
            request.note = options.note
            return PreparedJob(kind: kind, work: .sync(request), summary: summary)
        case .pull:
            var request = PullRequest(
                source: try Location(parsing: source, accounts: accounts),
                destination: destination
            )
            request.delete = options.delete ?? false
            request.dryRun = options.dryRun ?? false
            request.transfers = options.transfers
            if let formats = options.exportFormats {
                request.exportPreferences = try DriveSync.exportPreferences(parsing: formats)
            }
            return PreparedJob(kind: kind, work: .pull(request), summary: summary)
        case .check:
            return PreparedJob(
                kind: kind,
                work: .check(source: source, destination: try Location(parsing: destination, accounts: accounts)),
                summary: summary
            )
        }
    }
}
