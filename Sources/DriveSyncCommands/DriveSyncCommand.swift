public import ArgumentParser
public import DriveSyncKit

/// The `drivesync` command: keeps local folders and Google Drive in step.
public struct DriveSyncCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "drivesync",
        abstract: "Keep local folders and Google Drive in step.",
        discussion: """
            Locations: drive:PATH (the default account; with no account configured, the embedded local drive),
            NAME:PATH (an [account NAME] of the configuration file), or a local folder.

            Exit codes: 0 success; 1 failure (nothing or not everything was done); 3 the run finished but some
            files failed (recorded for drivesync retry); 4 check found differences; 5 credentials missing or
            refused; 64 usage error; 130 or 143 stopped by SIGINT or SIGTERM (what completed is kept).

            Logging goes to stderr: -v and -vv say more, -q only errors; DRIVESYNC_LOG_LEVEL (trace, debug,
            info, notice, warning, error, critical) sets the level when neither is given.
            """,
        version: DriveSync.version,
        subcommands: [
            SyncCommand.self, CopyCommand.self, CheckCommand.self, RetryCommand.self,
            ListCommand.self, ListJSONCommand.self, MakeFolderCommand.self, CatCommand.self,
            AboutCommand.self, TestCommand.self, StatsCommand.self, TrackerCommand.self, AuthCommand.self,
            PullCommand.self, BackupCommand.self, IndexCommand.self, SearchCommand.self,
            EmulatorCommand.self, ServeCommand.self, WorkerCommand.self, JobsCommand.self,
        ]
    )

    public init() {}

    /// The log level a parsed command asks for: its -v/-vv/-q flags, else `DRIVESYNC_LOG_LEVEL`, else notice.
    public static func logLevel(of command: any ParsableCommand, environment: [String: String]) -> Logger.Level {
        if let level = GlobalOptions.find(in: command)?.logLevel { return level }
        return environment["DRIVESYNC_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .notice
    }
}
