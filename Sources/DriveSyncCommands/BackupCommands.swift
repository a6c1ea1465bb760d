import ArgumentParser
import DriveSyncKit
import Foundation

/// `drivesync backup`: snapshot and versioned backups of a local folder, and their history.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Snapshot and versioned backups of a local folder, with history and retention.",
        discussion: """
            Ignore rules are the sync's (.drivesyncignore, ignore = in the configuration) plus defaults for
            build outputs, caches and virtual environments; a backup folder inside the source is never
            backed up into itself.
            """,
        subcommands: [
            Snapshot.self, Versioned.self, List.self, Show.self, Diff.self, Restore.self, Prune.self, Push.self,
            Stats.self,
        ]
    )

    /// Options of the two backup modes.
    struct RunOptions: ParsableArguments {
        @OptionGroup var global: GlobalOptions

        @Argument(help: "The folder to back up.")
        var source: String

        @Option(help: "The backup folder.")
        var to: String?

        @Option(help: "A note kept in the backup's record.")
        var note: String?

        @Flag(help: "Compare files by MD5, not only by size and modification time.")
        var checksum = false

        @Flag(help: "Show what would be copied, linked and removed; change nothing.")
        var dryRun = false

        /// Runs the backup under the process lifecycle (a signal stops it between files) and reports it.
        func run(_ mode: DriveSync.BackupMode, defaultFolder: String) async throws {
            let driveSync = try await reportingErrors { try global.driveSync(projectFolder: source) }
            try await runInterruptibly { [self] stop in
                try await driveSync.backup(
                    source,
                    to: to ?? defaultFolder,
                    mode: mode,
                    note: note,
                    checksum: checksum,
                    dryRun: dryRun,
                    stop: stop
                )
            } then: { outcome in
                report(outcome)
            }
        }

        private func report(_ outcome: DriveSync.BackupOutcome) {
            for warning in outcome.warnings { print("warning: \(warning)") }
            let record = outcome.record
            if global.isVerbose || dryRun {
                for step in outcome.steps {
                    switch step {
                    case .copy(let path, let change, _):
                        print("\(dryRun ? "would copy" : "copied") \(path) (\(change.rawValue))")
                    case .link(let path, _): print("\(dryRun ? "would link" : "linked") \(path)")
                    case .remove(let path, false, _):
                        print("\(dryRun ? "would remove" : "removed") \(path) (kept in deleted/)")
                    default: break
                    }
                }
            }
            print(
                "\(dryRun ? "Dry run: " : "")\(record.mode.rawValue) \(record.version): \(record.copied) copied (\(ProgressDisplay.bytes(record.copiedBytes))), \(record.linked) linked, \(record.unchanged) unchanged, \(record.removed) removed\(dryRun ? "; nothing changed" : "")."
            )
        }
    }

    struct Snapshot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "snapshot",
            abstract:
                "Mirror the source into the backup folder (default ./backups/system_snapshot), copying only changes.",
            discussion:
                "Files gone from the source leave the mirror for deleted/<time>/, never lost; records/<time>.json says what each run did."
        )

        @OptionGroup var options: RunOptions

        func run() async throws {
            try await options.run(.snapshot, defaultFolder: "backups/system_snapshot")
        }
    }

    struct Versioned: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "versioned",
            abstract:
                "A new timestamped version of the source (default in ./backups/versions); unchanged files are hard links.",
            discussion:
                "Every version is a complete, browsable tree and costs only what changed. Example: drivesync backup versioned . --note 'before the migration'"
        )

        @OptionGroup var options: RunOptions

        func run() async throws {
            try await options.run(.versioned, defaultFolder: "backups/versions")
        }
    }

    /// Where the versions are.
    struct VersionsFolder: ParsableArguments {
        @Option(help: "The versioned backup folder.")
        var to = "backups/versions"

        var versions: BackupVersions { BackupVersions(folder: to) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the versions with their notes and sizes."
        )

        @OptionGroup var folder: VersionsFolder

        func run() async throws {
            try await reportingErrors {
                let backups = folder.versions
                let versions = try await backups.versions()
                if versions.isEmpty { print("No versions in \(folder.to).") }
                for version in versions {
                    let record = try await backups.record(of: version)
                    print(
                        "\(version)  \(record.copied) copied, \(record.linked) linked, \(record.removed) removed\(record.note.map { "  \($0)" } ?? "")"
                    )
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a version's record and changelog."
        )

        @OptionGroup var folder: VersionsFolder

        @Argument(help: "The version (as backup list shows it).")
        var version: String

        func run() async throws {
            try await reportingErrors {
                let record = try await folder.versions.record(of: version)
                print(
                    "version \(record.version) of \(record.source), \(record.time)\(record.note.map { ": \($0)" } ?? "")"
                )
                print(
                    "\(record.copied) copied (\(ProgressDisplay.bytes(record.copiedBytes))), \(record.linked) linked (\(ProgressDisplay.bytes(record.linkedBytes))), \(record.removed) removed, \(String(format: "%.1f", record.durationSeconds)) s"
                )
                for entry in record.changelog { print("  \(entry.change.rawValue) \(entry.path)") }
            }
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "What changed between two versions."
        )

        @OptionGroup var folder: VersionsFolder
        @Argument(help: "The older version.") var older: String
        @Argument(help: "The newer version.") var newer: String

        func run() async throws {
            try await reportingErrors {
                let difference = try await folder.versions.diff(older, newer)
                for path in difference.added { print("added    \(path)") }
                for path in difference.modified { print("modified \(path)") }
                for path in difference.removed { print("removed  \(path)") }
                print(
                    "\(difference.added.count) added, \(difference.modified.count) modified, \(difference.removed.count) removed."
                )
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Restore a version, or some of its files and folders, with their times; each copy is verified.",
            discussion:
                "Existing files are never overwritten unless --overwrite. Example: drivesync backup restore 20261121T190500Z notes --to /tmp/restored"
        )

        @Option(help: "The versioned backup folder.") var from = "backups/versions"
        @Argument(help: "The version.") var version: String
        @Argument(help: "Files or folders in the version (default: all of it).") var paths: [String] = []
        @Option(help: "Where to restore to.") var to: String
        @Flag(help: "Replace files that already exist there.") var overwrite = false

        func run() async throws {
            try await reportingErrors {
                let selected = try paths.map { text in
                    do { return try RemotePath(text) } catch { throw DriveSyncError(.invalidArgument, "\(error)") }
                }
                let report = try await BackupVersions(folder: from).restore(
                    version: version,
                    paths: selected,
                    to: to,
                    overwrite: overwrite
                )
                print(
                    "Restored \(report.restored.count) files (\(ProgressDisplay.bytes(report.bytes))) into \(to), each verified."
                )
            }
        }
    }

    /// The push of a backup folder: where it goes on Drive.
    struct PushTarget: ParsableArguments {
        @OptionGroup var global: GlobalOptions

        @Argument(help: "The backup folder to send (default ./backups).")
        var folder = "backups"

        @Option(
            help: "The Drive folder NAME/ it goes to (default: the current folder's name); NAME:PATH picks an account."
        )
        var project: String?

        func request(_ driveSync: DriveSync) async throws -> DriveSync.SyncRequest {
            let name = project ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath).lastPathComponent
            let destination = try await global.location(name.contains(":") ? name : "drive:" + name, in: driveSync)
            return DriveSync.SyncRequest(source: folder, destination: destination)
        }
    }

    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "push",
            abstract: "Send the backup folder to Drive through the sync engine: incremental, logged, resumable.",
            discussion: "Example: drivesync backup push --project MyProject"
        )

        @OptionGroup var target: PushTarget
        @OptionGroup var transfer: TransferOptions

        func run() async throws {
            try await transfer.run(target.global, destination: target.project ?? "drive:") { progress, stop in
                try await transfer.perform(target.global, projectFolder: nil, progress: progress, stop: stop) {
                    driveSync in
                    var request = try await target.request(driveSync)
                    request.tags = ["backup"]  // unless --tag says otherwise
                    return request
                }
            }
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "What a pushed backup folder's state tracks, and what is pending."
        )

        @OptionGroup var target: PushTarget

        @Option(help: "The shared drive (its name or ID) the backup was pushed to.")
        var sharedDrive: String?

        func run() async throws {
            try await reportingErrors {
                let driveSync = try target.global.driveSync()
                var request = try await target.request(driveSync)
                request.destination = try request.destination.inSharedDrive(sharedDrive)
                request.dryRun = true
                let source = URL(fileURLWithPath: request.source).standardizedFileURL.path
                let tracked = try await driveSync.statistics().first {
                    $0.pair.source == source && $0.pair.destination == request.destination.description
                }
                print("\(source) -> \(request.destination)")
                if let tracked {
                    print(
                        "  tracked: \(tracked.files) files, \(tracked.folders) folders, \(ProgressDisplay.bytes(tracked.bytes))"
                    )
                    for failure in tracked.failed { print("  failed: \(failure.path) (\(failure.attempts) attempts)") }
                } else {
                    print("  never pushed")
                }
                let plan = try await driveSync.sync(request).plan
                print("  pending: \(plan.actions.count) actions (drivesync backup push sends them)")
            }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune",
            abstract: "Remove versions a calendar-based policy does not keep (as restic forget); never the newest.",
            discussion:
                "Example: drivesync backup prune --keep-last 3 --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --dry-run"
        )

        @OptionGroup var folder: VersionsFolder
        @Option var keepLast = 0
        @Option var keepHourly = 0
        @Option var keepDaily = 0
        @Option var keepWeekly = 0
        @Option var keepMonthly = 0
        @Option var keepYearly = 0
        @Flag(help: "Show what would be removed; remove nothing.") var dryRun = false

        func validate() throws {
            if [keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly].contains(where: { $0 < 0 }) {
                throw ValidationError("--keep-* values cannot be negative.")
            }
            if [keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly].allSatisfy({ $0 == 0 }) {
                throw ValidationError(
                    "Give at least one --keep-* option (without one, only the newest version would stay)."
                )
            }
        }

        func run() async throws {
            try await reportingErrors {
                let policy = RetentionPolicy(
                    last: keepLast,
                    hourly: keepHourly,
                    daily: keepDaily,
                    weekly: keepWeekly,
                    monthly: keepMonthly,
                    yearly: keepYearly
                )
                let decisions = try await folder.versions.prune(policy, dryRun: dryRun)
                for (version, decision) in decisions {
                    print(
                        "\(decision.keep ? "keep  " : (dryRun ? "would remove" : "remove")) \(version)\(decision.keep ? "  (\(decision.reasons.joined(separator: ", ")))" : "")"
                    )
                }
                print(
                    "\(decisions.filter { !$0.decision.keep }.count) of \(decisions.count) versions \(dryRun ? "would be " : "")removed."
                )
            }
        }
    }
}
