public import ArgumentParser

/// The `drivesync` command: keeps local folders and Google Drive in step.
public struct DriveSyncCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "drivesync",
        abstract: "Keep local folders and Google Drive in step.",
        discussion: """
            Exit codes: 0 success, 1 failure, 3 sync finished with failed files, 64 usage error.
            """,
        version: "0.1.0",
        subcommands: [SyncCommand.self, EmulatorCommand.self]
    )

    public init() {}
}
