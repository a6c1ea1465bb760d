import ArgumentParser
import DriveEmulator
import Hummingbird
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `drivesync emulator`: serve a local Google Drive v3 emulator.
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Serve a Google Drive v3 emulator on this machine.",
        discussion: """
            Prints the base URL as the first line, then one line per user with its access token.
            Point a Drive client's root URL at the base URL: /drive/v3, /upload/drive/v3, /batch/drive/v3 and
            the admin endpoint /emulator/admin are served there.

            With no --user, one user me@drivesync.local is created with a random token.

            Examples:
              drivesync emulator --in-memory
              drivesync emulator --data ~/.drivesync/emulator --user alice@example.com --token secret
            """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free port.")
    var port = 0

    @Option(help: "Folder for the emulator's SQLite metadata and file content; survives restarts.")
    var data: String?

    @Flag(
        help: "Keep everything in memory (content in a temporary folder removed at exit). The default without --data."
    )
    var inMemory = false

    @Option(name: .customLong("user"), help: "A user's email; repeat with --token for several users.")
    var users: [String] = []

    @Option(
        name: .customLong("token"),
        help: "The fixed, non-expiring access token of the --user at the same position."
    )
    var tokens: [String] = []

    @Option(help: "Storage quota per user, in bytes.")
    var quota: Int64?

    @Option(help: "Usage limits to enforce: none, or drive (12,000 queries/min, 3 writes/s, 750 GB uploaded/day).")
    var limits: LimitsPreset = .none

    @Flag(help: "Treat requests without credentials as the first user.")
    var allowAnonymous = false

    @Option(help: "PEM certificate chain: serve HTTPS (with --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key for --tls-cert.")
    var tlsKey: String?

    enum LimitsPreset: String, ExpressibleByArgument, CaseIterable {
        case none
        case drive
    }

    func validate() throws {
        if data != nil, inMemory { throw ValidationError("Use either --data DIR or --in-memory, not both.") }
        if users.count != tokens.count {
            throw ValidationError(
                "Give one --token for each --user (got \(users.count) users, \(tokens.count) tokens)."
            )
        }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together.") }
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535.") }
    }

    /// The emulator set up as the options say (tests build it the same way).
    func makeConfiguration() -> (EmulatorConfiguration, [(String, String)]) {
        var accounts = Array(zip(users, tokens))
        if accounts.isEmpty {
            var generator = SystemRandomNumberGenerator()
            let token =
                "ya29.local-"
                + String((0..<32).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement(using: &generator)! })
            accounts = [("me@drivesync.local", token)]
        }
        let configuration = EmulatorConfiguration(
            storage: data.map { .directory(Self.expandingTilde($0)) } ?? .inMemory,
            users: accounts.map { EmulatorConfiguration.User(email: $0.0, token: $0.1, storageLimit: quota) },
            limits: limits == .drive ? .drive : .none,
            allowAnonymous: allowAnonymous
        )
        return (configuration, accounts)
    }

    static func expandingTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] else {
            return path
        }
        return home + path.dropFirst()
    }

    func run() async throws {
        let (configuration, accounts) = makeConfiguration()
        var logger = Logger(label: "drivesync.emulator")
        logger.logLevel = .notice
        let emulator = try DriveEmulator(configuration: configuration, logger: logger)
        let scheme = tlsCert == nil ? "http" : "https"
        let shownHost = host == "0.0.0.0" ? "127.0.0.1" : host
        let app = try buildEmulatorApplication(
            emulator: emulator,
            host: host,
            port: port,
            tls: tlsCert.flatMap { cert in tlsKey.map { (cert, $0) } },
            logger: logger
        ) { boundPort in
            var lines = ["\(scheme)://\(shownHost):\(boundPort)"]
            for (email, token) in accounts { lines.append("user \(email) token \(token)") }
            // Written straight to the descriptor: scripts read the first line while the server runs.
            let text = Array((lines.joined(separator: "\n") + "\n").utf8)
            _ = text.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        }
        try await app.runService()
    }
}
