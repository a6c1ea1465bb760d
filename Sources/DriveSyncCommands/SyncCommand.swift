import ArgumentParser
import DriveSyncKit
import Foundation

/// `drivesync sync SOURCE [DESTINATION]`: mirror a local folder under a Drive folder.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Mirror a local folder under a Drive folder (or another local folder), safely and incrementally.",
        discussion: """
            DESTINATION is drive:PATH (the default account; with none configured, the embedded local drive
            in $DRIVESYNC_HOME/drive), NAME:PATH for a configured account, or a local folder. Without it,
            drive:<source folder name>.
            Nothing is overwritten blindly: a replaced remote file is first moved to Archive/ on the remote
            (or kept as a pinned revision with replaced = revision), a file changed on both sides keeps the
            remote copy as NAME_conflict_TIME.EXT, and deletions are mirrored only with --delete.

            Examples:
              drivesync sync Examples/Data drive:MemoryVDB
              drivesync sync ~/notes work:Notes --delete --max-delete 10% --dry-run
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfer: TransferOptions

    @Argument(help: "The local folder to mirror.")
    var source: String

    @Argument(help: "Where: drive:PATH, NAME:PATH or a local folder (default drive:<source folder name>).")
    var destination: String?

    @Flag(help: "Mirror local deletions (the remote copies go to Archive/, or the trash with removals = trash).")
    var delete = false

    @Option(help: "Refuse to remove more than this many remote files, or this share of them (10%).")
    var maxDelete: String?

    func validate() throws {
        if let maxDelete, DeletionLimit(parsing: maxDelete) == nil {
            throw ValidationError("--max-delete takes a count (100) or a percentage (10%), not '\(maxDelete)'.")
        }
    }

    /// Runs the sync and returns what happened (`run` prints it).
    func perform(
        home: String = DriveSyncHome.resolve(),
        progress: ProgressDisplay? = nil,
        stop: StopRequest? = nil
    ) async throws -> DriveSync.SyncOutcome {
        try await transfer.perform(global, projectFolder: source, home: home, progress: progress, stop: stop) {
            driveSync in
            let target = try await global.location(
                destination ?? "drive:" + URL(fileURLWithPath: source).standardizedFileURL.lastPathComponent,
                in: driveSync
            )
            var request = DriveSync.SyncRequest(source: source, destination: target)
            request.delete = delete
            request.deletionLimit = maxDelete.flatMap(DeletionLimit.init(parsing:))
            return request
        }
    }

    func run() async throws {
        try await transfer.run(global, destination: destination ?? "drive:") {
            try await perform(progress: $0, stop: $1)
        }
    }
}

/// `drivesync copy SOURCE DESTINATION`: like sync, but never removes anything on the destination.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy new and changed files from a local folder to a destination; never deletes.",
        discussion: """
            The same engine, state, archive and logs as sync, without deletions.

            Example:
              drivesync copy ~/photos drive:Photos
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfer: TransferOptions

    @Argument(help: "The local folder to copy from.")
    var source: String

    @Argument(help: "Where: drive:PATH, NAME:PATH or a local folder.")
    var destination: String

    func perform(
        home: String = DriveSyncHome.resolve(),
        progress: ProgressDisplay? = nil,
        stop: StopRequest? = nil
    ) async throws -> DriveSync.SyncOutcome {
        try await transfer.perform(global, projectFolder: source, home: home, progress: progress, stop: stop) {
            driveSync in
            DriveSync.SyncRequest(source: source, destination: try await global.location(destination, in: driveSync))
        }
    }

    func run() async throws {
        try await transfer.run(global, destination: destination) { try await perform(progress: $0, stop: $1) }
    }
}

extension TransferOptions {
    /// Builds a request against the configured DriveSync, applies these options to it, and runs it.
    func perform(
        _ global: GlobalOptions,
        projectFolder: String?,
        home: String = DriveSyncHome.resolve(),
        progress: ProgressDisplay?,
        stop: StopRequest? = nil,
        request build: (DriveSync) async throws -> DriveSync.SyncRequest
    ) async throws -> DriveSync.SyncOutcome {
        let driveSync = try global.driveSync(projectFolder: projectFolder, home: home)
        var request = try await build(driveSync)
        try apply(to: &request)
        if let progress { request.progress = progress.handle }
        request.stop = stop
        return try await driveSync.sync(request)
    }

    /// Runs `perform` under a progress display and the process lifecycle, then prints the summary and
    /// sets the exit status.
    func run(
        _ global: GlobalOptions,
        destination: String,
        _ perform: @escaping @Sendable (ProgressDisplay, StopRequest) async throws -> DriveSync.SyncOutcome
    ) async throws {
        let progress = ProgressDisplay(verbose: global.isVerbose)
        try await runInterruptibly { stop in
            try await perform(progress, stop)
        } then: { outcome in
            progress.finish()
            try TransferSummary(outcome: outcome, json: json, destination: destination, verbose: global.isVerbose)
                .print()
        }
    }
}

/// What sync, copy and retry print at the end, and their exit status.
struct TransferSummary {
    var outcome: DriveSync.SyncOutcome
    var json: Bool
    var destination: String
    var verbose = false

    func print() throws {
        if verbose {
            let phases = outcome.phases.map {
                "\($0.name) \($0.duration.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))"
            }
            printNote("phases: " + phases.joined(separator: ", "))
        }
        for warning in outcome.warnings { Swift.print("warning: \(warning)") }
        guard let report = outcome.report else {
            if json {
                Swift.print(String(decoding: try PlanJSON(outcome.plan).encoded(), as: UTF8.self))
                return
            }
            for notice in outcome.plan.notices { Swift.print("note: \(notice)") }
            for action in outcome.plan.actions { Swift.print("would \(action)") }
            Swift.print("Dry run: \(outcome.plan.actions.count) actions, nothing changed.")
            return
        }
        for notice in outcome.plan.notices { Swift.print("note: \(notice)") }
        if outcome.plan.isEmpty {
            Swift.print("Nothing to do: \(destination) is up to date.")
            return
        }
        for archived in report.archived {
            Swift.print("kept \(archived.path) as \(archived.archivedAs) (\(archived.reason))")
        }
        for warning in report.warnings { Swift.print("warning: \(warning)") }
        for failure in report.failures { Swift.print("failed: \(failure)") }
        var line =
            "Synced: \(report.completed.count) actions done, \(report.failures.count) failed, \(ProgressDisplay.bytes(report.uploadedBytes)) uploaded."
        if report.notStarted > 0 {
            line += " \(report.notStarted) not done\(report.stopped ? " (stopped; run again to finish)" : "")."
        }
        Swift.print(line)
        if let problem = report.credentialProblem {
            printError(
                "stopped: the credentials were \(problem == .missing ? "missing" : "refused"); run drivesync auth login, then drivesync retry"
            )
            throw ExitCode(.credentials)
        }
        if !report.failures.isEmpty {
            Swift.print("Failed files are recorded; run drivesync retry to send them again.")
        }
        if let resume = report.uploadsResumeAt {
            printError(
                "Drive's daily upload limit was reached: \(report.uploadsDeferred) uploads wait; they can go after \(DriveTimestamp.format(resume)) (run the same command again then)"
            )
            throw ExitCode(.uploadLimit)
        }
        if !report.failures.isEmpty { throw ExitCode(.someFilesFailed) }
    }
}

/// A plan as JSON (`--dry-run --json`).
struct PlanJSON: Encodable {
    struct Step: Encodable {
        var action: String
        var path: String
        var reason: String?

        init(_ action: SyncAction) {
            switch action {
            case .makeFolder(let path): self.init("make_folder", path)
            case .adoptFolder(let path): self.init("record_folder", path)
            case .upload(let path, let reason): self.init("upload", path, reason.rawValue)
            case .replace(let path): self.init("replace", path, "changed locally; the remote copy is archived first")
            case .resolveConflict(let path):
                self.init(
                    "resolve_conflict",
                    path,
                    "changed on both sides; the remote copy is kept under a conflict name"
                )
            case .adopt(let path): self.init("record", path, "the remote already holds this content")
            case .refreshState(let path): self.init("refresh_state", path, "only the modification time changed")
            case .removeRemote(let path): self.init("remove", path, "deleted locally")
            case .removeRemoteFolder(let path): self.init("remove_folder", path, "deleted locally")
            case .forget(let path): self.init("forget", path, "gone on both sides")
            }
        }

        private init(_ action: String, _ path: RemotePath, _ reason: String? = nil) {
            self.action = action
            self.path = path.description
            self.reason = reason
        }
    }

    var actions: [Step]
    var notices: [String]

    init(_ plan: SyncPlan) {
        actions = plan.actions.map(Step.init)
        notices = plan.notices.map { "\($0)" }
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
