import ArgumentParser
import DriveAPI
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
            let (driveSync, name) = try selection.resolve()
            let about = try await driveSync.withDrive(account: name) {
                try await $0.client.about(fields: .account)
            }
            print("user: \(about.user?.displayName ?? "-") <\(about.user?.emailAddress ?? "-")>")
            if let quota = about.storageQuota {
                let limit = quota.limit.map { ProgressDisplay.bytes($0) } ?? "unlimited"
                print(
                    "used: \(ProgressDisplay.bytes(quota.usage ?? 0)) of \(limit) (in Drive: \(ProgressDisplay.bytes(quota.usageInDrive ?? 0)), in trash: \(ProgressDisplay.bytes(quota.usageInDriveTrash ?? 0)))"
                )
            }
            if let max = about.maxUploadSize { print("largest upload: \(ProgressDisplay.bytes(max))") }
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
            let (driveSync, name) = try selection.resolve()
            let (user, endpoint) = try await driveSync.withDrive(account: name) { connection in
                let about = try await connection.client.about(fields: .user)
                return (about.user?.emailAddress ?? "unknown user", connection.client.configuration.baseURL)
            }
            print("OK: \(name ?? "drive") reached at \(endpoint), signed in as \(user).")
        }
    }
}

/// The account an account command acts on, with the global options.
struct AccountSelection: ParsableArguments {
    @OptionGroup var global: GlobalOptions

    @Argument(help: "drive: (the default account) or NAME:.")
    var account = "drive:"

    /// DriveSync and the account's name (`nil`: the default account); a trailing path is ignored.
    func resolve() throws -> (DriveSync, String?) {
        let driveSync = try global.driveSync()
        guard
            case .drive(let name, _) = try Location(
                parsing: account.hasSuffix(":") ? account : account + ":",
                accounts: driveSync.accountNames
            )
        else {
            throw DriveSyncError(.unknownAccount, "'\(account)' is not an account; write drive: or NAME:")
        }
        return (driveSync, name)
    }
}
