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
                .unavailable,
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

/// A one-line error for the user, saying what to do, with a code programs can match.
public struct DriveSyncError: UserFacingError, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// A file where a folder is needed, or the other way round.
        public static let wrongKind = Code(name: "wrongKind")
        /// Folders that must stay apart overlap, or a path lies outside the folder it must be in.
        public static let overlap = Code(name: "overlap")
        /// No such account or shared drive, or none chosen.
        public static let unknownAccount = Code(name: "unknownAccount")
        /// Another run holds what this one needs.
        public static let busy = Code(name: "busy")
        /// A part DriveSync needs could not start.
        public static let unavailable = Code(name: "unavailable")
        /// An argument that cannot be used as given.
        public static let invalidArgument = Code(name: "invalidArgument")
    }

    public var code: Code
    public var description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
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
