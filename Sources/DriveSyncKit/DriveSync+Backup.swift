public import Backup
import LocalFiles

extension DriveSync {
    /// How a backup keeps the source: one mirror updated in place, or a new hard-linked version each run.
    public enum BackupMode: Sendable, Hashable {
        case snapshot
        case versioned
    }

    /// What a backup did: its record, its steps and warnings.
    public typealias BackupOutcome = BackupRunner.Outcome

    /// Backs `source` up into `folder` with the configuration's ignore rules (and the source's
    /// `.drivesync.ini`); the copying runs off Swift's cooperative threads. A `stop` request ends it
    /// between files (`CancellationError`); the next run finishes the work.
    public func backup(
        _ source: String,
        to folder: String,
        mode: BackupMode,
        note: String? = nil,
        checksum: Bool = false,
        dryRun: Bool = false,
        stop: StopRequest? = nil
    ) async throws -> BackupOutcome {
        let runner = BackupRunner(
            source: source,
            destination: folder,
            note: note,
            checksum: checksum,
            extraIgnores: configuration.ignore
        )
        return try await offload {
            switch mode {
            case .snapshot: try runner.snapshot(dryRun: dryRun, stop: stop)
            case .versioned: try runner.versioned(dryRun: dryRun, stop: stop)
            }
        }
    }
}

/// A folder of versioned backups: its versions and records, differences, restores and pruning. Each
/// call runs off Swift's cooperative threads.
public struct BackupVersions: Sendable {
    private let runner: BackupRunner

    public init(folder: String) { runner = BackupRunner(source: ".", destination: folder) }

    /// The versions, oldest first.
    public func versions() async throws -> [String] { try await offload { [runner] in try runner.versions() } }

    public func record(of version: String) async throws -> BackupRecord {
        try await offload { [runner] in try runner.record(of: version) }
    }

    public func diff(_ older: String, _ newer: String) async throws -> BackupRunner.Difference {
        try await offload { [runner] in try runner.diff(older, newer) }
    }

    /// Restores a version (or `paths` in it) into `target`, each copy verified; existing files are
    /// refused unless `overwrite`.
    public func restore(
        version: String,
        paths: [RemotePath] = [],
        to target: String,
        overwrite: Bool = false
    ) async throws -> BackupRunner.RestoreReport {
        try await offload { [runner] in
            try runner.restore(version: version, paths: paths, to: target, overwrite: overwrite)
        }
    }

    /// Removes the versions `policy` does not keep (never the newest); returns each version's decision.
    public func prune(
        _ policy: RetentionPolicy,
        dryRun: Bool = false
    ) async throws -> [(version: String, decision: RetentionPolicy.Decision)] {
        try await offload { [runner] in try runner.prune(policy, dryRun: dryRun) }
    }
}
