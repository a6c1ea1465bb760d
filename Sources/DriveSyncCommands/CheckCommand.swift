import ArgumentParser
import DriveSyncKit
import Foundation

/// `drivesync check SOURCE DESTINATION`: compare by MD5 and report differences.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compare a local folder with a destination by MD5 and report the differences.",
        discussion: "Exits 0 when both hold the same files with the same content, 4 when they differ."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The local folder.")
    var source: String

    @Argument(help: "drive:PATH, NAME:PATH or a local folder.")
    var destination: String

    func perform(home: String = DriveSyncHome.resolve()) async throws -> DriveSync.CheckReport {
        let driveSync = try global.driveSync(projectFolder: source, home: home)
        return try await driveSync.check(
            source: source,
            destination: try await global.location(destination, in: driveSync)
        )
    }

    func run() async throws {
        let report = try await reportingErrors { try await perform() }
        for path in report.differing { print("differs: \(path)") }
        for path in report.missingOnDestination { print("missing on \(destination): \(path)") }
        for path in report.missingInSource { print("only on \(destination): \(path)") }
        print(
            "\(report.identical.count) identical, \(report.differing.count) differ, \(report.missingOnDestination.count) missing on the destination, \(report.missingInSource.count) only on the destination."
        )
        if !report.isIdentical { throw ExitCode(.differences) }
    }
}
