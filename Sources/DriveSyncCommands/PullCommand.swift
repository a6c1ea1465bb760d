import ArgumentParser
import DriveSyncKit
import Foundation

/// `drivesync pull SOURCE DESTINATION`: mirror a Drive folder into a local folder.
struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Mirror a Drive folder into a local folder, kept current from Drive's changes feed.",
        discussion: """
            The first pull lists the folder; later pulls read only Drive's changes feed, so a pull with
            nothing changed costs a handful of requests whatever the size of the tree. Each file is written
            to DESTINATION/.drivesync/partial/, checked against Drive's MD5, flushed, given Drive's
            modification time and renamed into place; an interrupted pull continues where it stopped.
            Local edits to pulled files are moved to DESTINATION/.drivesync/trash/TIME/ before Drive's
            version replaces them; with --delete, so are local files Drive no longer has. Nothing is
            deleted outright.
            Names Drive allows and file systems do not are made safe (/ becomes ／, NUL ␀, . and .. ．,
            over 255 bytes cut with a hash); duplicates get " (DRIVE-ID)" before the extension, the oldest
            keeping the name. Google Docs, Sheets, Slides and Drawings are exported: for each type the
            first of --export-formats it supports (default docx,xlsx,pptx,svg), and exported again only
            when the document changed.

            Examples:
              drivesync pull drive:MemoryVDB ~/MemoryVDB
              drivesync pull work:Reports ./reports --delete --export-formats pdf --shortcuts skip
              drivesync pull drive: ./team --shared-drive Engineering
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The Drive folder: drive:PATH or NAME:PATH (drive: alone for the whole drive).")
    var source: String

    @Argument(help: "The local folder to mirror into (made when missing).")
    var destination: String

    @Option(help: "Pull from this shared drive (its name or ID): SOURCE's path starts at its top.")
    var sharedDrive: String?

    @Flag(help: "Move local files Drive no longer has to DESTINATION/.drivesync/trash/TIME/.")
    var delete = false

    @Option(help: "Shortcuts: follow (pull what they point to, under the shortcut's name) or skip.")
    var shortcuts = DriveSync.Shortcuts.follow.rawValue

    @Option(
        help:
            "Export formats for Google documents, most wanted first (docx,xlsx,pptx,odt,ods,odp,pdf,txt,csv,svg,png,…)."
    )
    var exportFormats: String?

    @Option(help: "Files fetched at once (default 4, or transfers in the configuration).")
    var transfers: Int?

    @Flag(help: "Show what would be done and change nothing.")
    var dryRun = false

    func validate() throws {
        if let transfers, transfers < 1 { throw ValidationError("--transfers must be at least 1.") }
        if DriveSync.Shortcuts(rawValue: shortcuts) == nil {
            throw ValidationError("--shortcuts takes follow or skip, not '\(shortcuts)'.")
        }
        if let exportFormats {
            do { _ = try DriveSync.exportPreferences(parsing: exportFormats) } catch {
                throw ValidationError("--export-formats: \(error)")
            }
        }
    }

    /// Runs the pull and returns what happened (`run` prints it).
    func perform(home: String = DriveSyncHome.resolve(), stop: StopRequest? = nil) async throws -> DriveSync.PullOutcome
    {
        let driveSync = try global.driveSync(home: home)
        var request = DriveSync.PullRequest(
            source: try await global.location(source, in: driveSync),
            destination: destination
        )
        request.delete = delete
        request.sharedDrive = sharedDrive
        request.shortcuts = DriveSync.Shortcuts(rawValue: shortcuts) ?? .follow
        if let exportFormats { request.exportPreferences = try DriveSync.exportPreferences(parsing: exportFormats) }
        request.transfers = transfers
        request.dryRun = dryRun
        request.stop = stop
        if global.isVerbose && !dryRun {
            request.fileFinished = { path, failed in printNote("\(failed ? "failed" : "done"): \(path)") }
        }
        return try await driveSync.pull(request)
    }

    func run() async throws {
        try await runInterruptibly { stop in
            try await perform(stop: stop)
        } then: {
            try report($0)
        }
    }

    /// Prints what a pull did and sets the exit status.
    func report(_ outcome: DriveSync.PullOutcome) throws {
        for note in outcome.notes { printError(note.description) }
        for warning in outcome.warnings { printError(warning.description) }
        if global.isVerbose || dryRun {
            for action in outcome.actions { print((dryRun ? "would " : "") + Self.describe(action)) }
        }
        guard let report = outcome.report else {
            print("dry run: \(outcome.actions.count) change(s) planned, nothing done")
            return
        }
        for warning in report.warnings { printError(warning) }
        var parts = ["\(report.downloaded) downloaded", "\(report.exported) exported"]
        if report.moved > 0 { parts.append("\(report.moved) moved") }
        if report.adopted > 0 { parts.append("\(report.adopted) already there") }
        if report.keptAside > 0 { parts.append("\(report.keptAside) local edits kept aside") }
        if report.trashed > 0 { parts.append("\(report.trashed) moved to the trash") }
        let source = outcome.remoteView == .fromChangesFeed ? "from the changes feed" : "listed"
        print("pulled (\(source)): " + parts.joined(separator: ", ") + ", \(ProgressDisplay.bytes(report.bytes))")
        if report.notStarted > 0 {
            print("\(report.notStarted) file(s) not fetched yet (stopped); the next pull fetches them")
        }
        guard report.failures.isEmpty else {
            for failure in report.failures { printError("failed: \(failure.path): \(failure.error)") }
            printError("\(report.failures.count) file(s) failed; the next pull tries them again")
            throw ExitCode(.someFilesFailed)
        }
    }

    static func describe(_ action: PullAction) -> String {
        switch action {
        case .makeFolder(let path, let replacing):
            "make folder \(path)" + (replacing == .keptAside ? " (the file in the way kept aside)" : "")
        case .download(let target, let replacing):
            (target.content == .file ? "download " : "export ") + "\(target.path)"
                + (replacing == .keptAside ? " (local version kept aside)" : "")
        case .move(let from, let target): "move \(from) to \(target.path)"
        case .adopt(let target): "keep \(target.path) (already there)"
        case .trash(let path): "move \(path) to the trash"
        case .forget(let path): "forget \(path)"
        }
    }
}
