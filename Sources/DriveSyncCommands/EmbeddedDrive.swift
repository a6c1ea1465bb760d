import AsyncHTTPClient
import DriveAPI
import DriveEmulator
import Foundation
import Hummingbird
import Logging

/// The local drive used when no Google account is configured: the emulator, served in-process on a
/// loopback port for the length of one command, keeping its data in DriveSync's data folder.
enum EmbeddedDrive {
    static let user = "me@drivesync.local"

    /// Runs `body` with a client for the embedded drive stored in `dataDirectory`.
    static func with<Result: Sendable>(dataDirectory: String, _ body: @escaping @Sendable (DriveClient) async throws -> Result) async throws -> Result {
        var logger = Logger(label: "drivesync.embedded-drive")
        // Shutting the in-process server down at the end of a command is not worth reporting.
        logger.logLevel = .critical
        // A fresh token for this process only: nothing secret is stored for the local drive.
        let token = "local-" + UUID().uuidString
        let emulator = try DriveEmulator(
            configuration: .init(storage: .directory(dataDirectory), users: [.init(email: user, token: token)]),
            logger: logger
        )
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = try buildEmulatorApplication(emulator: emulator, logger: logger) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await app.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CommandError("the embedded drive did not start") }
            let client = DriveClient(
                httpClient: .shared,
                tokens: FixedAccessToken(token),
                configuration: .init(baseURL: "http://127.0.0.1:\(port)"),
                pacer: RequestPacer(configuration: .unlimited)
            )
            do {
                let result = try await body(client)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}

/// A one-line error for the user, saying what to do.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Where DriveSync keeps its data: `$DRIVESYNC_HOME`, else `$XDG_DATA_HOME/drivesync`, else
/// `~/.local/share/drivesync`.
enum DriveSyncHome {
    static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let home = environment["DRIVESYNC_HOME"], !home.isEmpty { return home }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/drivesync" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.local/share/drivesync"
    }
}
