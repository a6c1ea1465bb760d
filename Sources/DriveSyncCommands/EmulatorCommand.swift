import ArgumentParser
import DriveSyncKit

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
    func makeServer() -> EmulatorServer {
        EmulatorServer(
            host: host,
            port: port,
            dataFolder: data.map(Self.expandingTilde),
            accounts: zip(users, tokens).map { EmulatorServer.Account(email: $0, token: $1) },
            quota: quota,
            drivesLimits: limits == .drive,
            allowAnonymous: allowAnonymous,
            tls: tlsCert.flatMap { cert in tlsKey.map { (cert, $0) } }
        )
    }

    static func expandingTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] else {
            return path
        }
        return home + path.dropFirst()
    }

    func run() async throws {
        let server = makeServer()
        var logger = Logger(label: "drivesync.emulator")
        logger.logLevel = .notice
        try await server.run(logger: logger) { baseURL in
            let lines = [baseURL] + server.accounts.map { "user \($0.email) token \($0.token)" }
            // Written straight to the descriptor: scripts read the first line while the server runs.
            let text = Array((lines.joined(separator: "\n") + "\n").utf8)
            _ = text.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        }
    }
}
