import ArgumentParser
import DriveSyncKit
import Foundation

/// `drivesync about [drive:|NAME:]`: the account and its storage.
struct AboutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "about",
        abstract: "Show the account's user and storage quota.",
        discussion: "Example: drivesync about work:"
    )

    @OptionGroup var selection: AccountSelection

    func run() async throws {
        try await reportingErrors {
            let (driveSync, name) = try await selection.resolve()
            let about = try await driveSync.accountSummary(account: name)
            print("user: \(about.displayName ?? "-") <\(about.email ?? "-")>")
            if about.reportsStorage {
                let limit = about.limit.map { ProgressDisplay.bytes($0) } ?? "unlimited"
                print(
                    "used: \(ProgressDisplay.bytes(about.usage ?? 0)) of \(limit) (in Drive: \(ProgressDisplay.bytes(about.usageInDrive ?? 0)), in trash: \(ProgressDisplay.bytes(about.usageInTrash ?? 0)))"
                )
            }
            if let max = about.largestUpload { print("largest upload: \(ProgressDisplay.bytes(max))") }
        }
    }
}

/// `drivesync test [drive:|NAME:]`: can DriveSync reach the account and is it signed in?
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Check connectivity and authentication for an account.",
        discussion:
            "Exits 0 when Drive answers and accepts the credentials, 5 when they are missing or refused, 1 otherwise."
    )

    @OptionGroup var selection: AccountSelection

    func run() async throws {
        try await reportingErrors {
            let (driveSync, name) = try await selection.resolve()
            let about = try await driveSync.accountSummary(account: name, storage: false)
            print("OK: \(name ?? "drive") reached at \(about.endpoint), signed in as \(about.email ?? "unknown user").")
        }
    }
}

/// The account an account command acts on, with the global options.
struct AccountSelection: ParsableArguments {
    @OptionGroup var global: GlobalOptions

    @Argument(help: "drive: (the default account) or NAME:.")
    var account = "drive:"

    /// DriveSync and the account's name (`nil`: the default account); a trailing path is ignored.
    func resolve() async throws -> (DriveSync, String?) {
        let driveSync = try global.driveSync()
        guard
            case .drive(let name, _, _) = try Location(
                parsing: account.hasSuffix(":") ? account : account + ":",
                accounts: try await driveSync.accountNames()
            )
        else {
            throw DriveSyncError(.unknownAccount, "'\(account)' is not an account; write drive: or NAME:")
        }
        return (driveSync, name)
    }
}
