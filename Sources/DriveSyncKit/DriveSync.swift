import AsyncHTTPClient
import Crypto
public import DriveAPI
public import DriveAuth
import DriveRemote
public import DriveSyncCore
import Foundation
import LocalFiles
import LocalRemote
public import Logging
public import NIOCore
public import SyncEngine
public import SyncState

/// DriveSync as a library: the configured accounts and data folder, and the operations the `drivesync`
/// command runs — sync, one-file upload, check, listings — with the same state, locking, archive and
/// logging rules everywhere.
public struct DriveSync: Sendable {
    /// The release, as `drivesync --version` and the `drivesync_build_info` metric give it.
    public static let version = "0.1.0"

    public var configuration: Configuration
    /// The data folder: states, logs, the embedded drive.
    public var home: String
    /// Told things the user should know once (which drive is used).
    public var notice: @Sendable (String) -> Void
    public var logger: Logger
    /// Pacing for every account, over what each account says (`--pacing`).
    public var pacing: Configuration.Pacing?
    /// The embedded drive a long-running process already serves: operations use it instead of serving
    /// the same data folder a second time.
    var embeddedClient: DriveClient?
    /// Where credentials are kept when not in the data folder's files: the service's database, shared by
    /// every process of the service (`sharingCredentials(in:)`).
    var credentialVault: (any CredentialVault)?

    public init(
        configuration: Configuration = .init(),
        home: String = DriveSyncHome.resolve(),
        logger: Logger = Logger(label: "drivesync"),
        notice: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.home = home
        self.logger = logger
        self.notice = notice
    }

    // MARK: Drive connections

    /// A client for one account (or the embedded drive) and the folder its paths start from.
    public struct Connection: Sendable {
        public let client: DriveClient
        /// `nil` for the embedded local drive.
        public let account: Configuration.Account?
        public var root: RemotePath { account?.remoteRoot ?? .root }
    }

    /// Where signed-in accounts keep their credentials, encrypted.
    public var credentialStore: CredentialStore {
        CredentialStore(folder: home + "/credentials", keyFile: home + "/credentials.key", vault: credentialVault)
    }

    /// Every account `NAME:` can name: configured or signed in.
    public func accountNames() async throws -> [String] {
        Array(Set(configuration.accounts.map(\.name)).union(try await credentialStore.accounts())).sorted()
    }

    /// The account `drive:` means: the configured default, the signed-in default (`auth default`), or the
    /// only account; `nil` is the embedded local drive.
    public func defaultAccountName() async throws -> String? {
        if let flagged = configuration.accounts.first(where: \.isDefault) { return flagged.name }
        let names = try await accountNames()
        if let stored = credentialStore.defaultAccount(), names.contains(stored) { return stored }
        if names.count <= 1 { return names.first }
        throw DriveSyncError(
            .unknownAccount,
            "several accounts (\(names.joined(separator: ", "))) and none is the default; write NAME:path or run drivesync auth default NAME"
        )
    }

    /// Environment overrides for the OAuth client of accounts that do not name one.
    var environmentClient: (id: String?, secret: String?) {
        let environment = ProcessInfo.processInfo.environment
        return (environment["DRIVESYNC_CLIENT_ID"], environment["DRIVESYNC_CLIENT_SECRET"])
    }

    /// The token provider of an account: its fixed token, or its stored credential refreshed as needed.
    public func tokens(for name: String) async throws -> (any AccessTokenProvider, endpoint: String?) {
        let configured = configuration.account(named: name)
        if let token = configured?.accessToken, !token.isEmpty {
            return (FixedAccessToken(token), configured?.endpoint)
        }
        guard let credential = try await credentialStore.load(name) else {
            throw MissingCredentials(
                account: name,
                configuration: configuration.sources.last ?? "the configuration file"
            )
        }
        let client = OAuthClient(
            endpoints: credential.oauthEndpoints,
            clientID: credential.clientID ?? configured?.clientID ?? environmentClient.id,
            clientSecret: credential.clientSecret ?? configured?.clientSecret ?? environmentClient.secret,
            httpClient: try DriveHTTPClients.client(trusting: configured?.caCertificateFile)
        )
        return (
            RefreshingTokenProvider(credential: credential, store: credentialStore, client: client),
            configured?.endpoint ?? credential.endpoint
        )
    }

    /// Runs `body` with a connection to the named account, the default account, or — with no account
    /// configured or signed in — the embedded local drive.
    public func withDrive<Result: Sendable>(
        account requested: String?,
        _ body: @escaping @Sendable (Connection) async throws -> Result
    ) async throws -> Result {
        guard let name = try await accountName(requested) else {
            return try await withEmbeddedDrive { try await body(Connection(client: $0, account: nil)) }
        }
        return try await body(try await connection(account: name))
    }

    /// The account a request means: `requested` when it is known, else the default; `nil` is the embedded
    /// local drive.
    public func accountName(_ requested: String?) async throws -> String? {
        guard let requested else { return try await defaultAccountName() }
        guard try await accountNames().contains(requested) else {
            throw DriveSyncError(
                .unknownAccount,
                "unknown account '\(requested)'; add [account \(requested)] to the configuration or run drivesync auth login \(requested)"
            )
        }
        return requested
    }

    /// Runs `body` with a client for the embedded local drive, served for as long as `body` runs.
    func withEmbeddedDrive<Result: Sendable>(
        _ body: @escaping @Sendable (DriveClient) async throws -> Result
    ) async throws -> Result {
        if let embeddedClient { return try await body(embeddedClient) }
        notice("Using the embedded local drive in \(home)/drive (no Google account is configured).")
        return try await EmbeddedDrive.with(dataDirectory: home + "/drive", pacing: Self.pacer(pacing ?? .none), body)
    }

    /// A connection to a named account, its tokens refreshed as needed.
    func connection(account name: String) async throws -> Connection {
        let account = configuration.account(named: name) ?? Configuration.Account(name: name)
        let (tokens, endpoint) = try await self.tokens(for: name)
        let client = DriveClient(
            httpClient: try DriveHTTPClients.client(trusting: account.caCertificateFile),
            tokens: tokens,
            configuration: .init(
                baseURL: endpoint ?? "https://www.googleapis.com",
                uploadBaseURL: account.uploadEndpoint
            ),
            pacer: RequestPacer(configuration: Self.pacer(pacing ?? account.pacing)),
            logger: logger
        )
        return Connection(client: client, account: account)
    }

    static func pacer(_ pacing: Configuration.Pacing) -> PacingConfiguration {
        switch pacing {
        case .drive: .drive
        case .none: .unlimited
        }
    }

    /// Runs `body` with a `Remote` for a location. With `create`, a missing folder is made; with a
    /// `state`, resumable sessions and create intents are kept in it. A Drive location in a shared drive
    /// starts at that drive's top instead of My Drive.
    public func withRemote<Result: Sendable>(
        _ location: Location,
        create: Bool = false,
        state: StateStore? = nil,
        _ body: @escaping @Sendable (any Remote) async throws -> Result
    ) async throws -> Result {
        switch location {
        case .local(let path):
            var isFolder: ObjCBool = false
            if !create, !(FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue) {
                throw DriveSyncError(.wrongKind, "\(path) is not a folder")
            }
            return try await body(try LocalFolderRemote(root: path))
        case .drive(let account, let path, let sharedDrive):
            return try await withDrive(account: account) { connection in
                var full = sharedDrive == nil ? connection.root : .root
                for component in path.components { full = try full.appending(component) }
                var base = "root"
                if let sharedDrive { base = try await Self.sharedDriveID(sharedDrive, client: connection.client) }
                let remote: DriveFolderRemote
                do {
                    remote = try await DriveFolderRemote.atPath(
                        full,
                        below: base,
                        drive: connection.client,
                        sessionStore: state.map { StateSessionStore($0.sessions) },
                        journal: state?.intents,
                        create: create
                    )
                } catch let error as RemoteError where error.code == .notFound {
                    throw DestinationMissing(location: location)
                } catch let error as RemoteError where error.code == .notAFolder {
                    throw DriveSyncError(
                        .wrongKind,
                        "\(location) is not a folder on Drive (\(error.message)); check the path"
                    )
                }
                return try await body(remote)
            }
        }
    }

    /// The ID of the shared drive named (or identified by) `nameOrID`.
    static func sharedDriveID(_ nameOrID: String, client: DriveClient) async throws -> String {
        var names: [String] = []
        for try await page in client.listDrives() {
            for drive in page.drives ?? [] {
                if drive.id == nameOrID || drive.name == nameOrID, let id = drive.id { return id }
                names.append(drive.name ?? drive.id ?? "?")
            }
        }
        throw DriveSyncError(
            .unknownAccount,
            "no shared drive '\(nameOrID)'; the account's shared drives are: \(names.isEmpty ? "none" : names.sorted().joined(separator: ", "))"
        )
    }

    // MARK: Sync pairs

    /// The state file of a pair (without its `.sqlite`/`.lock` extension).
    public func stateLocation(source: String, destination: Location) -> String {
        home + "/state/" + Self.fileName(for: "\(source)\n\(destination)")
    }

    /// A file name for `text` (a pair, an account name) that cannot leave its folder: a hash prefix.
    static func fileName(for text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// Runs `body` holding the pair's lock, with its state open.
    public func withPair<Result: Sendable>(
        source: String,
        destination: Location,
        _ body: (StateStore) async throws -> Result
    ) async throws -> Result {
        let location = stateLocation(source: source, destination: destination)
        let lock: SyncLock
        do {
            lock = try await offload { [home] in
                try FileManager.default.createDirectory(atPath: home + "/state", withIntermediateDirectories: true)
                return try SyncLock.acquire(at: location + ".lock")
            }
        } catch let held as SyncLock.Held {
            throw DriveSyncError(.busy, held.description)
        }
        defer { lock.release() }
        let state = try StateStore(path: location + ".sqlite")
        try await state.pairs.setPair(SyncPair(source: source, destination: destination.description))
        return try await body(state)
    }

    /// Every pair with a state in the data folder: its state, opened once, and what it syncs.
    public func knownPairs() async throws -> [(state: StateStore, pair: SyncPair)] {
        let folder = home + "/state"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var pairs: [(StateStore, SyncPair)] = []
        for name in names.sorted() where name.hasSuffix(".sqlite") {
            let state = try StateStore(path: folder + "/" + name)
            if let pair = try await state.pairs.pair() { pairs.append((state, pair)) }
        }
        return pairs
    }

    public var logs: SyncLogs {
        SyncLogs(
            uploads: JSONLinesLog(path: configuration.uploadLog ?? home + "/logs/uploads.jsonl"),
            archives: JSONLinesLog(path: configuration.archiveLog ?? home + "/logs/archive.jsonl"),
            pulls: JSONLinesLog(path: home + "/logs/pulls.jsonl")
        )
    }

    /// Records that a run could not start for want of credentials (`token_missing`, `auth_failed`);
    /// returns that status, or `nil` when credentials were not the cause.
    @discardableResult
    func logCredentialFailure(
        _ error: any Error,
        file: String,
        destination: Location,
        tags: [String],
        note: String?
    ) async -> UploadLogEntry.Status? {
        guard let problem = (error as? any CredentialAwareError)?.credentialProblem else { return nil }
        let status = UploadLogEntry.Status(failureWith: problem)
        // The credential error is what the user sees; a log that cannot take its line must not replace it.
        try? await logs.uploads?.append(
            UploadLogEntry(
                timestamp: DriveTimestamp.format(Date()),
                file: file,
                status: status,
                attempts: 0,
                tags: tags,
                note: note,
                remote_path: destination.description,
                error: "\(error)"
            )
        )
        return status
    }
}

/// The location names a Drive folder that does not exist (yet).
public struct DestinationMissing: UserFacingError, Sendable {
    public var location: Location
    public var description: String {
        "\(location) does not exist on Drive; check the path, or create it with drivesync mkdir \(location)"
    }
}

/// A remote with nothing in it that accepts no changes: what a dry run plans against when the
/// destination does not exist yet.
struct EmptyRemote: Remote {
    var capabilities: RemoteCapabilities {
        RemoteCapabilities(
            isCaseInsensitive: false,
            allowsDuplicateNames: false,
            modificationTimePrecision: .milliseconds(1),
            providesMD5: false,
            hasTrash: false
        )
    }
    func list(_ folder: RemotePath) async throws -> [RemoteEntry] { [] }
    func entry(at path: RemotePath) async throws -> RemoteEntry? { nil }
    func makeFolder(_ path: RemotePath) async throws -> RemoteEntry {
        throw RemoteError(.permissionDenied, path, "a dry run changes nothing")
    }
    func upload(from localFile: String, to path: RemotePath, modified: Date) async throws -> RemoteEntry {
        throw RemoteError(.permissionDenied, path, "a dry run changes nothing")
    }
    func read<Result: Sendable>(
        _ path: RemotePath,
        range: Range<Int64>?,
        _ body: (any AsyncSequence<ByteBuffer, any Error>) async throws -> Result
    ) async throws -> Result {
        throw RemoteError(.notFound, path)
    }
    func move(_ path: RemotePath, to destination: RemotePath) async throws -> RemoteEntry {
        throw RemoteError(.notFound, path)
    }
    func remove(_ path: RemotePath, toTrash: Bool) async throws { throw RemoteError(.notFound, path) }
}

/// A limit on mirrored deletions: a count (`--max-delete 100`) or a share of the remote files (`10%`).
public enum DeletionLimit: Sendable, Hashable {
    case count(Int)
    case fraction(Double)

    public init?(parsing text: String) {
        if text.hasSuffix("%"), let percent = Double(text.dropLast()), (0...100).contains(percent) {
            self = .fraction(percent / 100)
        } else if let count = Int(text), count >= 0 {
            self = .count(count)
        } else {
            return nil
        }
    }
}

extension DriveSync {
    /// Streams a file (or a byte range of it) to `body` as buffers, read from the network only as `body`
    /// asks for them: for applications that hash, index or forward Drive content without storing it,
    /// and what `drivesync cat` prints. A dropped connection resumes with `Range`; a file that changes
    /// meanwhile throws rather than mixing versions. With `verify`, a whole Drive file's MD5 is also
    /// checked as it passes (at a cost: MD5 runs slower than loopback) and a mismatch throws at the end.
    public func read<Result: Sendable>(
        _ location: Location,
        range: Range<Int64>? = nil,
        verify: Bool = false,
        _ body: @escaping @Sendable (any AsyncSequence<ByteBuffer, any Error>) async throws -> Result
    ) async throws -> Result {
        try await withFile(location) { remote, path in
            do {
                guard !verify, let tree = remote as? any RemoteTree else {
                    return try await remote.read(path, range: range, body)
                }
                guard let entry = try await remote.entry(at: path) else { throw RemoteError(.notFound, path) }
                guard !entry.isFolder, let id = entry.id else { throw RemoteError(.isAFolder, path) }
                return try await tree.read(id: id, range: range, version: entry.revision, body)
            } catch let error as RemoteError where error.code == .notFound || error.code == .isAFolder {
                throw DriveSyncError(
                    .wrongKind,
                    "\(location) is not a file (\(error.message)); see what is there with drivesync ls"
                )
            }
        }
    }

    /// Writes a file's bytes (or `range` of them) to an open descriptor, such as standard output.
    public func write(
        _ location: Location,
        range: Range<Int64>? = nil,
        verify: Bool = false,
        to descriptor: Int32,
        named name: String
    ) async throws {
        try await read(location, range: range, verify: verify) { stream in
            var writer = BatchedWriter(descriptor: descriptor, path: name)
            try await writer.write(contentsOf: stream)
        }
    }

    /// Runs `body` with the remote holding a file location and the file's path on it.
    public func withFile<Result: Sendable>(
        _ location: Location,
        _ body: @escaping @Sendable (any Remote, RemotePath) async throws -> Result
    ) async throws -> Result {
        switch location {
        case .drive(let account, let path, let sharedDrive):
            guard let parent = path.parent else {
                throw DriveSyncError(.wrongKind, "\(location) is a folder; name a file")
            }
            let name = try RemotePath(path.name)
            return try await withRemote(.drive(account: account, path: parent, sharedDrive: sharedDrive)) { remote in
                try await body(remote, name)
            }
        case .local(let path):
            let url = URL(fileURLWithPath: path)
            let name = try RemotePath(url.lastPathComponent)
            return try await withRemote(.local(url.deletingLastPathComponent().path)) { remote in
                try await body(remote, name)
            }
        }
    }
}
