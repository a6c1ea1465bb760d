public import DriveSyncCore
import AsyncHTTPClient
import DriveAPI
import DriveEmulator
public import Foundation
import Hummingbird
import Logging

/// The local drive used when no Google account is configured: the emulator, served in-process on a
/// loopback port for the length of one operation, keeping its data in DriveSync's data folder.
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
            guard let port = await iterator.next() else { throw DriveSyncError("the embedded drive did not start; check that \(dataDirectory) is writable") }
            let client = DriveClient(
                httpClient: .shared,
                tokens: FixedAccessToken(token),
                configuration: .init(baseURL: "http://127.0.0.1:\(port)"),
                pacer: RequestPacer(configuration: .unlimited),
                logger: logger
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
public struct DriveSyncError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// No credentials for an account: nothing can be done until the user signs in.
public struct MissingCredentials: CredentialAwareError, CustomStringConvertible, Sendable {
    public var account: String
    public var configuration: String
    public var credentialProblem: CredentialProblem? { .missing }
    public var description: String {
        "no credentials for account '\(account)'; run drivesync auth login \(account), or set access_token in [account \(account)] of \(configuration)"
    }
}

/// Where DriveSync keeps its data: `$DRIVESYNC_HOME`, else `$XDG_DATA_HOME/drivesync`, else
/// `~/.local/share/drivesync`.
public enum DriveSyncHome {
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let home = environment["DRIVESYNC_HOME"], !home.isEmpty { return home }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/drivesync" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.local/share/drivesync"
    }
}
