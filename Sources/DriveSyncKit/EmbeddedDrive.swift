import AsyncHTTPClient
import DriveAPI
import DriveEmulator
public import DriveSyncCore
public import Foundation
import Hummingbird
import Logging

/// The local drive used when no Google account is configured: the emulator, served in-process on a
/// loopback port for the length of one operation, keeping its data in DriveSync's data folder.
enum EmbeddedDrive {
    static let user = "me@drivesync.local"

    /// Runs `body` with a client for the embedded drive stored in `dataDirectory`.
    static func with<Result: Sendable>(
        dataDirectory: String,
        pacing: PacingConfiguration = .unlimited,
        _ body: @escaping @Sendable (DriveClient) async throws -> Result
    ) async throws -> Result {
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
        // Detached from the caller's graceful shutdown: when a signal asks a command to stop, the transfers
        // still in flight need this server until they finish. It is cancelled and awaited before returning.
        let server = Task.detached {
            defer { portContinuation.finish() }
            try await app.run()
        }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            let failure = await server.result
            throw DriveSyncError(
                "the embedded drive did not start (\(failure)); check that \(dataDirectory) is writable"
            )
        }
        let client = DriveClient(
            httpClient: .shared,
            tokens: FixedAccessToken(token),
            configuration: .init(baseURL: "http://127.0.0.1:\(port)"),
            pacer: RequestPacer(configuration: pacing),
            logger: logger
        )
        let result: Swift.Result<Result, any Error>
        do {
            result = .success(try await body(client))
        } catch {
            result = .failure(error)
        }
        server.cancel()
        _ = await server.result
        return try result.get()
    }
}

/// A one-line error for the user, saying what to do.
public struct DriveSyncError: UserFacingError, Sendable {
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
