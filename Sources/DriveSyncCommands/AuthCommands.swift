import ArgumentParser
import DriveSyncKit
import Foundation

/// `drivesync auth`: sign accounts in and out.
struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Sign accounts in and out; credentials are stored encrypted.",
        discussion: """
            Credentials live in $DRIVESYNC_HOME/credentials (0700), encrypted with AES-GCM under the key in
            $DRIVESYNC_HOME/credentials.key (0600) or DRIVESYNC_TOKEN_KEY (32 bytes, base64).
            The OAuth client comes from client_id/client_secret in the account's configuration section,
            --client-id/--client-secret, or DRIVESYNC_CLIENT_ID/DRIVESYNC_CLIENT_SECRET; none is built in.
            """,
        subcommands: [Login.self, Status.self, Logout.self, Default.self]
    )

    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "login",
            abstract: "Sign an account in: browser (loopback + PKCE), --device, or --service-account.",
            discussion: """
                Examples:
                  drivesync auth login work
                  drivesync auth login server --device
                  drivesync auth login robot --service-account key.json --subject alice@example.com --scope drive
                """
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The account's name (NAME: in locations).")
        var name = "google"

        @Flag(help: "The device flow, for machines without a browser.")
        var device = false

        @Option(help: "A service-account key file (JSON) for the JWT bearer grant.")
        var serviceAccount: String?

        @Option(help: "With --service-account: the user to act for (domain-wide delegation).")
        var subject: String?

        @Option(help: "drive.file (default: only what DriveSync creates), drive.readonly or drive.")
        var scope: String = DriveSync.scopeNames[0]

        @Option(help: "A Drive-compatible API base URL (default Google); its OAuth endpoints are used.")
        var endpoint: String?

        @Option(help: "The OAuth client id.")
        var clientID: String?

        @Option(help: "The OAuth client secret.")
        var clientSecret: String?

        @Flag(help: "Print the sign-in URL without trying to open a browser.")
        var noBrowser = false

        func validate() throws {
            if !DriveSync.scopeNames.contains(scope) {
                throw ValidationError(
                    "--scope is \(DriveSync.scopeNames.joined(separator: ", ")), not '\(scope)'."
                )
            }
            if subject != nil && serviceAccount == nil {
                throw ValidationError("--subject goes with --service-account.")
            }
            if device && serviceAccount != nil {
                throw ValidationError("Choose --device or --service-account, not both.")
            }
            if name == "drive" || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
                throw ValidationError("An account name uses letters, digits, - and _ and is not 'drive'.")
            }
        }

        func run() async throws {
            try await reportingErrors {
                let driveSync = try global.driveSync()
                let openBrowser = !noBrowser
                let method: DriveSync.LoginMethod =
                    if let serviceAccount {
                        .serviceAccount(keyFile: serviceAccount, subject: subject)
                    } else if device {
                        .device { url, code in
                            printNote("On a device with a browser, open \(url) and enter the code \(code)")
                        }
                    } else {
                        .browser { url in
                            printNote("Open this address to sign in (waiting for the answer on 127.0.0.1):\n\(url)")
                            if openBrowser { Browser.open(url) }
                        }
                    }
                let signedIn = try await driveSync.login(
                    name,
                    method: method,
                    scope: scope,
                    endpoint: endpoint,
                    clientID: clientID,
                    clientSecret: clientSecret
                )
                print("Signed in '\(name)' as \(signedIn.email ?? "unknown") with scope \(signedIn.scopes).")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show the accounts, their scopes and expiry, and the default."
        )

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingErrors {
                let driveSync = try global.driveSync()
                let statuses = try await driveSync.accountStatuses()
                if statuses.isEmpty {
                    print("No accounts: drive: is the embedded local drive. Sign in with drivesync auth login NAME.")
                }
                for status in statuses {
                    let marker = status.isDefault ? " (default)" : ""
                    switch status.credentials {
                    case .fixedToken:
                        print("\(status.name)\(marker): fixed access token from the configuration")
                    case .notSignedIn:
                        print("\(status.name)\(marker): not signed in (drivesync auth login \(status.name))")
                    case .signedIn(let who, let scopes, let expiry, let endpoint):
                        let until = expiry.map { DriveTimestamp.format($0) } ?? "none"
                        print(
                            "\(status.name)\(marker): \(who), scope \(scopes), access token until \(until)\(endpoint.map { ", endpoint \($0)" } ?? "")"
                        )
                    case .unreadable(let reason):
                        print("\(status.name)\(marker): \(reason)")
                    }
                }
            }
        }
    }

    struct Logout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "logout",
            abstract: "Revoke an account's grant, then delete its stored credentials."
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The account (default: the default account).")
        var name: String?

        func run() async throws {
            try await reportingErrors {
                let (account, note) = try await global.driveSync().logout(name)
                if let note { printNote("note: \(note)") }
                print("Signed out '\(account)'.")
            }
        }
    }

    struct Default: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "default",
            abstract: "Choose the account drive: means."
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The account.")
        var name: String

        func run() async throws {
            try await reportingErrors {
                try await global.driveSync().setDefaultAccount(name)
                print("drive: now means '\(name)'.")
            }
        }
    }
}

/// Opens a URL in the user's browser when there is a desktop to open it on.
enum Browser {
    static func open(_ url: String) {
        let environment = ProcessInfo.processInfo.environment
        #if os(macOS)
        let opener = "/usr/bin/open"
        #else
        guard environment["DISPLAY"] != nil || environment["WAYLAND_DISPLAY"] != nil else { return }
        let opener = "/usr/bin/xdg-open"
        #endif
        guard FileManager.default.isExecutableFile(atPath: opener) else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: opener)
        process.arguments = [url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
    }
}
