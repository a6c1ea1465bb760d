import ArgumentParser
import Crypto
import DriveAPI
import DriveRemote
import DriveSyncCore
import Foundation
import SyncEngine
import SyncState

/// `drivesync sync SOURCE [drive:PATH]`: mirror a local folder under a Drive folder.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Mirror a local folder under a Drive folder, safely and incrementally.",
        discussion: """
            Without a Google account configured, drive: is the embedded local drive kept in
            $DRIVESYNC_HOME/drive (default ~/.local/share/drivesync).
            Nothing is overwritten blindly: a replaced remote file is first moved to Archive/ on the
            remote, a file changed on both sides keeps the remote copy as NAME_conflict_TIME.EXT, and
            deletions are mirrored only with --delete (into Archive/).

            Examples:
              drivesync sync Examples/Data drive:MemoryVDB
              drivesync sync ~/notes drive:Notes --delete --dry-run
            """
    )

    @Argument(help: "The local folder to mirror.")
    var source: String

    @Argument(help: "Where on Drive: drive:PATH (default drive:<source folder name>).")
    var destination: String?

    @Flag(help: "Mirror local deletions (the remote copies go to Archive/).")
    var delete = false

    @Option(help: "Refuse to remove more than this many remote files.")
    var maxDelete: Int?

    @Flag(help: "Show what would be done and change nothing.")
    var dryRun = false

    @Option(help: "Files transferred at once.")
    var transfers = 4

    func validate() throws {
        if transfers < 1 { throw ValidationError("--transfers must be at least 1.") }
        if let destination, !destination.hasPrefix("drive:") {
            throw ValidationError("The destination must look like drive:PATH (got '\(destination)').")
        }
    }

    var remotePath: RemotePath {
        get throws {
            let text = destination.map { String($0.dropFirst("drive:".count)) } ?? URL(fileURLWithPath: source).lastPathComponent
            do { return try RemotePath(text) } catch { throw CommandError("\(error); use a path like drive:Folder/Sub") }
        }
    }

    /// Runs the sync and returns what happened (the command prints it).
    func perform(home: String) async throws -> SyncSession.Outcome {
        let sourcePath = URL(fileURLWithPath: source).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: sourcePath, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandError("\(source) is not a folder; give the folder to mirror")
        }
        let target = try remotePath
        try FileManager.default.createDirectory(atPath: home + "/state", withIntermediateDirectories: true)
        let key = SHA256.hash(data: Data("\(sourcePath)\n\(target)".utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        let lock: SyncLock
        do {
            lock = try SyncLock.acquire(at: home + "/state/\(key).lock")
        } catch let held as SyncLock.Held {
            throw CommandError(held.description)
        }
        defer { lock.release() }
        let state = try StateStore(path: home + "/state/\(key).sqlite")
        let planner = SyncPlanner(options: .init(delete: delete, maxDelete: maxDelete))
        let options = SyncExecutor.Options(transfers: transfers)
        let dryRun = self.dryRun
        return try await EmbeddedDrive.with(dataDirectory: home + "/drive") { drive in
            let remote = try await DriveFolderRemote.atPath(target, drive: drive, sessionStore: StateSessionStore(state: state))
            let session = SyncSession(localRoot: sourcePath, remote: remote, state: state, planner: planner, executorOptions: options)
            return try await session.run(dryRun: dryRun)
        }
    }

    func run() async throws {
        let outcome: SyncSession.Outcome
        do {
            outcome = try await perform(home: DriveSyncHome.resolve())
        } catch let error as CommandError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        for warning in outcome.warnings { print("warning: \(warning)") }
        for notice in outcome.plan.notices { print("note: \(notice)") }
        if outcome.plan.isEmpty {
            print("Nothing to do: \(destination ?? "drive:") is up to date.")
            return
        }
        guard let report = outcome.report else {
            for action in outcome.plan.actions { print("would \(action)") }
            print("Dry run: \(outcome.plan.actions.count) actions, nothing changed.")
            return
        }
        for archived in report.archived { print("kept \(archived.path) as \(archived.archivedAs) (\(archived.reason))") }
        for failure in report.failures { print("failed: \(failure)") }
        print("Synced: \(report.completed.count) actions done, \(report.failures.count) failed, \(report.uploadedBytes) bytes uploaded.")
        if !report.failures.isEmpty { throw ExitCode(3) }
    }
}
