import ArgumentParser
import DriveAPI
import DriveAuth
import DriveSyncCore
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
        var scope: String = DriveScope.file.rawValue

        @Option(help: "A Drive-compatible API base URL (default Google); its OAuth endpoints are used.")
        var endpoint: String?

        @Option(help: "The OAuth client id.")
        var clientID: String?

        @Option(help: "The OAuth client secret.")
        var clientSecret: String?

        @Flag(help: "Print the sign-in URL without trying to open a browser.")
        var noBrowser = false

        func validate() throws {
            if DriveScope(rawValue: scope) == nil {
                throw ValidationError("--scope is drive.file, drive.readonly or drive, not '\(scope)'.")
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
                let configured = driveSync.configuration.account(named: name)
                let environment = ProcessInfo.processInfo.environment
                let request = LoginFlows.Request(
                    account: name,
                    endpoint: endpoint ?? configured?.endpoint,
                    clientID: clientID ?? configured?.clientID ?? environment["DRIVESYNC_CLIENT_ID"],
                    clientSecret: clientSecret ?? configured?.clientSecret ?? environment["DRIVESYNC_CLIENT_SECRET"],
                    scope: DriveScope(rawValue: scope) ?? .file
                )
                let flows = LoginFlows(store: driveSync.credentialStore)
                let openBrowser = !noBrowser
                var credential: StoredCredential
                if let serviceAccount {
                    guard let data = FileManager.default.contents(atPath: serviceAccount) else {
                        throw DriveSyncError(
                            .invalidArgument,
                            "cannot read \(serviceAccount); give the service-account key file (JSON) from the Cloud console"
                        )
                    }
                    credential = try await flows.loginWithServiceAccount(
                        request,
                        key: try ServiceAccountKey(json: data),
                        subject: subject
                    )
                } else if device {
                    credential = try await flows.loginWithDevice(request) { authorization in
                        printNote(
                            "On a device with a browser, open \(authorization.verificationURL) and enter the code \(authorization.userCode)"
                        )
                    }
                } else {
                    credential = try await flows.loginWithBrowser(request) { url in
                        printNote("Open this address to sign in (waiting for the answer on 127.0.0.1):\n\(url)")
                        if openBrowser { Browser.open(url) }
                    }
                }
                // Who signed in, for auth status.
                let email = try await driveSync.withDrive(account: name) {
                    try await $0.client.about(fields: .user).user?.emailAddress
                }
                credential.email = email
                try driveSync.credentialStore.save(credential)
                if driveSync.credentialStore.defaultAccount() == nil { try driveSync.credentialStore.setDefault(name) }
                print("Signed in '\(name)' as \(email ?? "unknown") with scope \(Self.shortScopes(credential.scopes)).")
            }
        }

        static func shortScopes(_ scopes: [String]) -> String {
            scopes.map { DriveScope(url: $0)?.rawValue ?? $0 }.joined(separator: " ")
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
                let names = driveSync.accountNames
                if names.isEmpty {
                    print("No accounts: drive: is the embedded local drive. Sign in with drivesync auth login NAME.")
                }
                let defaultName = try? driveSync.defaultAccountName()
                for name in names {
                    let marker = name == defaultName ? " (default)" : ""
                    if let token = driveSync.configuration.account(named: name)?.accessToken, !token.isEmpty {
                        print("\(name)\(marker): fixed access token from the configuration")
                        continue
                    }
                    do {
                        guard let credential = try driveSync.credentialStore.load(name) else {
                            print("\(name)\(marker): not signed in (drivesync auth login \(name))")
                            continue
                        }
                        let who =
                            credential.kind == .serviceAccount
                            ? "service account \(credential.serviceAccount?.clientEmail ?? "?")\(credential.subject.map { " for \($0)" } ?? "")"
                            : credential.email ?? "unknown user"
                        let expiry = credential.accessTokenExpiry.map { DriveTimestamp.format($0) } ?? "none"
                        print(
                            "\(name)\(marker): \(who), scope \(Login.shortScopes(credential.scopes)), access token until \(expiry)\(credential.endpoint.map { ", endpoint \($0)" } ?? "")"
                        )
                    } catch {
                        print("\(name)\(marker): \(error)")
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
                let driveSync = try global.driveSync()
                guard let account = try name ?? driveSync.defaultAccountName() else {
                    throw DriveSyncError(.unknownAccount, "no account is signed in")
                }
                guard driveSync.credentialStore.accounts().contains(account) else {
                    throw DriveSyncError(.unknownAccount, "'\(account)' has no stored credentials")
                }
                if let note = try await LoginFlows(store: driveSync.credentialStore).logout(account) {
                    printNote("note: \(note)")
                }
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
                let driveSync = try global.driveSync()
                guard driveSync.accountNames.contains(name) else {
                    throw DriveSyncError(
                        .unknownAccount,
                        "unknown account '\(name)'; sign it in with drivesync auth login \(name)"
                    )
                }
                try driveSync.credentialStore.setDefault(name)
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
