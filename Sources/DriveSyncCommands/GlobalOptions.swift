import ArgumentParser
import DriveSyncKit
import Foundation

/// Options every command that touches a drive takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The configuration file (default $DRIVESYNC_CONFIG, else ~/.config/drivesync/config.ini).")
    var config: String?

    @Flag(name: .shortAndLong, help: "Say more: -v every file and retry, -vv every Drive call.")
    var verbose: Int

    @Flag(name: .shortAndLong, help: "Say only what went wrong.")
    var quiet = false

    @Option(help: "Pace Drive calls to Drive's limits (drive) or not at all (none), whatever the accounts say.")
    var pacing: PacingOption?

    var isVerbose: Bool { verbose > 0 && !quiet }

    /// The log level these flags ask for; `nil` leaves it to `DRIVESYNC_LOG_LEVEL` or the default.
    var logLevel: Logger.Level? {
        if quiet { return .error }
        switch verbose {
        case 0: return nil
        case 1: return .info
        default: return .debug
        }
    }

    /// DriveSync with the configuration (and `projectFolder`'s `.drivesync.ini`) loaded.
    func driveSync(projectFolder: String? = nil, home: String = DriveSyncHome.resolve()) throws -> DriveSync {
        let configuration = try Configuration.load(explicit: config, projectFolder: projectFolder)
        var driveSync = DriveSync(configuration: configuration, home: home, logger: Logger(label: "drivesync")) {
            message in
            FileHandle.standardError.write(Data((message + "\n").utf8))
        }
        driveSync.pacing = pacing?.pacing
        return driveSync
    }

    func location(_ text: String, in driveSync: DriveSync) async throws -> Location {
        try Location(parsing: text, accounts: try await driveSync.accountNames())
    }

    /// The options a parsed command carries, wherever its option groups nest them.
    static func find(in command: Any, depth: Int = 4) -> GlobalOptions? {
        if let options = command as? GlobalOptions { return options }
        guard depth > 0 else { return nil }
        // Option groups keep their values behind property wrappers; a mirror reaches through them.
        for child in Mirror(reflecting: command).children {
            if let options = find(in: child.value, depth: depth - 1) { return options }
        }
        return nil
    }
}

/// `--pacing`'s values, which are the configuration's.
enum PacingOption: String, ExpressibleByArgument, CaseIterable {
    case drive
    case none

    var pacing: Configuration.Pacing {
        switch self {
        case .drive: .drive
        case .none: .none
        }
    }
}

/// Options of the commands that transfer: sync, copy, retry.
struct TransferOptions: ParsableArguments {
    @Flag(help: "Show what would be done and change nothing.")
    var dryRun = false

    @Flag(help: "With --dry-run, print the plan as JSON.")
    var json = false

    @Option(help: "A note written into every upload log entry.")
    var note: String?

    @Option(name: .customLong("tag"), help: "A tag written into every upload log entry (repeatable).")
    var tags: [String] = []

    @Flag(help: "Upload files even when they look unchanged (the remote copies are still kept aside first).")
    var force = false

    @Option(help: "Files transferred at once (default 4, or transfers in the configuration).")
    var transfers: Int?

    @Option(help: "Files hashed at once (default 8, or checkers in the configuration).")
    var checkers: Int?

    @Flag(help: "Compare every file by MD5, not only those whose size or time changed.")
    var checksum = false

    @Option(help: "Send to this shared drive (its name or ID): the destination's path starts at its top.")
    var sharedDrive: String?

    func validate() throws {
        if let transfers, transfers < 1 { throw ValidationError("--transfers must be at least 1.") }
        if let checkers, checkers < 1 { throw ValidationError("--checkers must be at least 1.") }
        if json && !dryRun { throw ValidationError("--json prints a plan: use it with --dry-run.") }
    }

    func apply(to request: inout DriveSync.SyncRequest) throws {
        request.destination = try request.destination.inSharedDrive(sharedDrive)
        request.dryRun = dryRun
        request.note = note
        if !tags.isEmpty { request.tags = tags }  // a command's own default tags stay unless --tag is given
        request.force = force
        request.transfers = transfers
        request.checkers = checkers
        request.checksum = checksum
    }
}

extension ExitCode {
    init(_ status: ExitStatus) { self.init(status.code) }
}

/// Runs a command body, turning any error into one line on stderr and its exit status. Cancellation is
/// not a failure: it exits as the signal that caused it.
func reportingErrors<Result>(_ body: () async throws -> Result) async throws -> Result {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as any UserFacingError {
        printError(error.description)
        throw ExitCode(error.exitStatus)
    } catch  where isCancellation(error) {
        printError(Interrupted(signal: SIGINT).description)
        throw ExitCode(ExitStatus.signalled(SIGINT))
    } catch {
        printError("\(error)")
        throw ExitCode(ExitStatus.failure)
    }
}

/// Runs long work under the process lifecycle (graceful shutdown on SIGINT and SIGTERM), reporting
/// errors as `reportingErrors` does; after a signal, `finish` still reports what was done and the
/// command exits as the signal asks (130 or 143).
func runInterruptibly<Result: Sendable>(
    _ work: @escaping @Sendable (StopRequest) async throws -> Result,
    then finish: (Result) throws -> Void
) async throws {
    let run = try await reportingErrors {
        try await CommandLifecycle.run(logger: Logger(label: "drivesync.lifecycle"), work)
    }
    guard let signal = run.signal else { return try finish(run.result) }
    do {
        try finish(run.result)
    } catch let error as ExitCode where error == ExitCode(ExitStatus.credentials) {
        throw error
    } catch {
        // The signal's status wins over "some files failed": the run was cut short.
    }
    printError(Interrupted(signal: signal).description)
    throw ExitCode(ExitStatus.signalled(signal))
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}

func printNote(_ message: String) {
    FileHandle.standardError.write(Data("\(message)\n".utf8))
}
