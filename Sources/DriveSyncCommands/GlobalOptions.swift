import ArgumentParser
import Backup
import DriveAPI
import DriveSyncCore
import DriveSyncKit
import Foundation
import Logging
import SyncEngine

/// Options every command that touches a drive takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The configuration file (default $DRIVESYNC_CONFIG, else ~/.config/drivesync/config.ini).")
    var config: String?

    @Flag(name: .shortAndLong, help: "Say more: every file, every retry.")
    var verbose = false

    /// DriveSync with the configuration (and `projectFolder`'s `.drivesync.ini`) loaded.
    func driveSync(projectFolder: String? = nil, home: String = DriveSyncHome.resolve()) throws -> DriveSync {
        let configuration = try Configuration.load(explicit: config, projectFolder: projectFolder)
        var logger = Logger(label: "drivesync")
        logger.logLevel = verbose ? .info : .warning
        return DriveSync(configuration: configuration, home: home, logger: logger) { message in
            FileHandle.standardError.write(Data((message + "\n").utf8))
        }
    }

    func location(_ text: String, in driveSync: DriveSync) throws -> Location {
        try Location(parsing: text, accounts: driveSync.accountNames)
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

    func validate() throws {
        if let transfers, transfers < 1 { throw ValidationError("--transfers must be at least 1.") }
        if let checkers, checkers < 1 { throw ValidationError("--checkers must be at least 1.") }
        if json && !dryRun { throw ValidationError("--json prints a plan: use it with --dry-run.") }
    }

    func apply(to request: inout DriveSync.SyncRequest) {
        request.dryRun = dryRun
        request.note = note
        if !tags.isEmpty { request.tags = tags }  // a command's own default tags stay unless --tag is given
        request.force = force
        request.transfers = transfers
        request.checkers = checkers
        request.checksum = checksum
    }
}

/// Documented exit codes (README, `drivesync --help`).
enum ExitStatus {
    static let failure = ExitCode(1)
    /// The run finished but some files failed (they are recorded for `drivesync retry`).
    static let someFilesFailed = ExitCode(3)
    /// `check` found differences.
    static let differences = ExitCode(4)
    /// Credentials are missing or were refused.
    static let credentials = ExitCode(5)
}

/// Runs a command body, turning the errors users cause into one line on stderr and an exit code.
func reportingErrors<Result>(_ body: () async throws -> Result) async throws -> Result {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as any CredentialAwareError where error.credentialProblem != nil {
        printError("\(error)")
        throw ExitStatus.credentials
    } catch let error as DestinationMissing {
        printError(error.description)
        throw ExitStatus.failure
    } catch let error as DriveSyncError {
        printError(error.description)
        throw ExitStatus.failure
    } catch let error as Configuration.Invalid {
        printError(error.description)
        throw ExitStatus.failure
    } catch let error as Location.Invalid {
        printError(error.description)
        throw ExitCode.validationFailure
    } catch let error as SyncPlanner.TooManyDeletions {
        printError(error.description)
        throw ExitStatus.failure
    } catch let error as RemoteError {
        printError(error.description)
        throw ExitStatus.failure
    } catch let error as ScanError {
        printError(error.description)
        throw ExitStatus.failure
    } catch let error as BackupRunner.Failure {
        printError(error.description)
        throw ExitStatus.failure
    } catch let error as DriveAPIError {
        printError(error.description)
        throw ExitStatus.failure
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}

func printNote(_ message: String) {
    FileHandle.standardError.write(Data("\(message)\n".utf8))
}
