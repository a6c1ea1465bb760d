import ArgumentParser
import DriveSyncKit
import Foundation

/// `drivesync stats`: what each sync pair's state tracks.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show what the sync states track: files, folders, bytes, last sync, failed uploads."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingErrors {
            let statistics = try await global.driveSync().statistics()
            if statistics.isEmpty { print("No sync states yet: run drivesync sync first.") }
            for pair in statistics {
                print("\(pair.pair.source) -> \(pair.pair.destination)")
                print("  \(pair.files) files, \(pair.folders) folders, \(ProgressDisplay.bytes(pair.bytes))")
                if let last = pair.lastSynced {
                    print("  last synced \(DriveTimestamp.format(Date(timeIntervalSince1970: Double(last) / 1000)))")
                }
                print(
                    "  remote changes: \(pair.followsChangesFeed ? "read from the changes feed" : "listed in full on the next run")"
                )
                if pair.pendingCreates > 0 {
                    print("  \(pair.pendingCreates) creates interrupted (checked on the next run)")
                }
                for failure in pair.failed {
                    print("  failed: \(failure.path) (\(failure.attempts) attempts): \(failure.lastError)")
                }
            }
        }
    }
}

/// `drivesync tracker clear SOURCE DESTINATION`: forget a pair's state.
struct TrackerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracker",
        abstract: "Manage what DriveSync remembers between runs.",
        subcommands: [Clear.self]
    )

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear",
            abstract: "Forget what a pair synced, so the next sync compares both sides in full.",
            discussion: "Nothing is uploaded again that is already identical on the destination."
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The local folder of the pair.")
        var source: String

        @Argument(help: "The destination of the pair, as given to sync.")
        var destination: String

        func run() async throws {
            try await reportingErrors {
                let driveSync = try global.driveSync(projectFolder: source)
                let forgotten = try await driveSync.clearTracker(
                    source: source,
                    destination: try await global.location(destination, in: driveSync)
                )
                print("Forgot \(forgotten) entries; the next sync compares \(source) and \(destination) in full.")
            }
        }
    }
}

/// `drivesync retry`: send the failed uploads of every pair again.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Retry the uploads that failed in earlier runs (all pairs, or one).",
        discussion: "Only the failed files are sent; other changes wait for the next sync."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Only this pair's local folder.")
    var source: String?

    @Argument(help: "Only this pair's destination.")
    var destination: String?

    func run() async throws {
        try await runInterruptibly { [self] stop in
            try await retryFailedUploads(stop: stop)
        } then: { failedAgain in
            if failedAgain { throw ExitCode(.someFilesFailed) }
        }
    }

    /// Syncs each pair's failed files again, pair after pair, until done or asked to stop; returns
    /// whether some failed again.
    private func retryFailedUploads(stop: StopRequest) async throws -> Bool {
        let driveSync = try global.driveSync()
        let pending = try await driveSync.failedUploads()
        let wanted = source.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        var failedAgain = false
        var retried = 0
        for (pair, failures) in pending where wanted == nil || pair.source == wanted {
            if let destination, pair.destination != destination { continue }
            if stop.isRequested { break }
            print("\(pair.source) -> \(pair.destination): retrying \(failures.count) files")
            let pairDriveSync = try global.driveSync(projectFolder: pair.source)
            var request = DriveSync.SyncRequest(
                source: pair.source,
                destination: try await global.location(pair.destination, in: pairDriveSync)
            )
            request.only = Set(failures.map(\.path))
            request.tags = failures.first?.tags ?? []
            request.note = failures.first?.note
            request.stop = stop
            let outcome = try await pairDriveSync.sync(request)
            retried += failures.count
            do {
                try TransferSummary(outcome: outcome, json: false, destination: pair.destination).print()
            } catch let error as ExitCode where error == ExitCode(.someFilesFailed) {
                failedAgain = true
            }
        }
        if retried == 0 { print("No failed uploads to retry.") }
        return failedAgain
    }
}
