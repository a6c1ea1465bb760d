import DriveSyncCore
import HTTPTypes
import Hummingbird
public import Logging
import NIOCore
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Google Drive v3 server: files, uploads, downloads, changes, permissions, shared drives, revisions,
/// batch, OAuth 2.0 and push notifications, with Drive's limits and injectable faults.
///
/// Serve it with ``buildEmulatorApplication(emulator:host:port:tls:logger:)``, or run `drivesync emulator`.
public final class DriveEmulator: Sendable {
    let store: DriveStore
    let limiter: UsageLimiter
    let configuration: EmulatorConfiguration
    /// Fault injection and call counters.
    public let faults = FaultInjector()
    /// Delivers push notifications; run by the emulator application as a service.
    public let pushNotifier: PushNotifier
    /// Session hash state of resumable uploads (rebuilt from disk after a restart).
    let uploadHashers = Mutex<[String: ContentHasher]>([:])
    let authorizations = Mutex(PendingAuthorizations())
    let logger: Logger

    public init(
        configuration: EmulatorConfiguration = .init(),
        logger: Logger = Logger(label: "drivesync.emulator")
    ) throws {
        self.configuration = configuration
        self.logger = logger
        let database: EmulatorDatabase?
        let blobs: BlobStore
        switch configuration.storage {
        case .directory(let path):
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            database = try EmulatorDatabase(path: "\(path)/metadata.sqlite")
            blobs = try BlobStore(root: path, temporary: false)
        case .inMemory:
            database = nil
            let root = FileManager.default.temporaryDirectory.appendingPathComponent(
                "drivesync-emulator-\(BlobStore.newIdentifier())"
            ).path
            blobs = try BlobStore(root: root, temporary: true)
        }
        store = try DriveStore(database: database, blobs: blobs, clock: configuration.clock)
        limiter = UsageLimiter(limits: configuration.limits)
        pushNotifier = PushNotifier(store: store, logger: logger)
        store.setChangeObserver { [weak pushNotifier] in pushNotifier?.signal() }
        for user in configuration.users {
            try addUser(email: user.email, token: user.token, storageLimit: user.storageLimit)
        }
    }

    // MARK: Users

    /// Creates a user (or updates an existing one) with an optional fixed, non-expiring access token.
    public func addUser(
        email: String,
        token: String? = nil,
        storageLimit: Int64? = nil,
        displayName: String? = nil
    ) throws {
        try store.write { state, journal in
            state.ensureUser(email: email, displayName: displayName, storageLimit: storageLimit, journal: &journal)
            if let token {
                let record = AccessTokenRecord(token: token, user: email, scopes: [Scopes.full], expiresAt: nil)
                state.accessTokens[token] = record
                journal.save(.accessToken, token, record)
            }
        }
    }

    /// Registers a service account whose JWTs are verified with `publicKeyPEM`.
    public func addServiceAccount(email: String, publicKeyPEM: String) throws {
        try store.write { state, journal in
            state.ensureUser(email: email, displayName: email, storageLimit: 0, journal: &journal)
            state.users[email]?.publicKeyPEM = publicKeyPEM
            state.users[email]?.isServiceAccount = true
            if let user = state.users[email] { journal.save(.user, email, user) }
        }
    }

    /// The users, by email.
    public var userEmails: [String] { store.read { $0.users.keys.sorted() } }

    /// Marks every open resumable session (or one) as expired: its next request gets 404.
    public func expireUploadSessions(id: String? = nil) throws {
        try store.write { state, journal in
            for key in state.uploads.keys where id == nil || key == id {
                state.uploads[key]?.expired = true
                if let session = state.uploads[key] { journal.save(.upload, key, session) }
            }
        }
    }

    /// Changes the limits at run time.
    public func setLimits(_ limits: EmulatorConfiguration.Limits) { limiter.setLimits(limits) }

    // MARK: Authentication

    /// The user a request acts for and the scopes its token grants (`nil`: all): a Bearer token (or
    /// `access_token` parameter), or the anonymous user.
    func authenticate(
        _ request: EmulatorRequest
    ) throws(DriveError) -> (user: String, scopes: [String]?, clientId: String?) {
        var token: String?
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { token = String(parts[1]).trimmingSpaces }
        }
        token = token ?? request.parameter("access_token") ?? request.parameter("oauth_token")
        guard let token else {
            if configuration.allowAnonymous,
                let user = store.read({ $0.users.values.filter { !$0.isServiceAccount }.map(\.email).sorted().first })
            {
                return (user, nil, nil)
            }
            throw .authError
        }
        let record = store.read { $0.accessTokens[token] }
        guard let record, record.expiresAt.map({ $0 > store.clock.milliseconds }) ?? true else { throw .authError }
        return (record.user, record.scopes, record.clientId)
    }

    /// Drive answers 403 `insufficientPermissions` when a token's scopes do not cover the call: any Drive
    /// scope reads, only `drive`, `drive.file` and `drive.appdata` write.
    static func checkScopes(_ scopes: [String]?, isWrite: Bool) throws(DriveError) {
        guard let scopes else { return }
        guard scopes.contains(where: (isWrite ? Scopes.writing : Scopes.reading).contains) else {
            throw DriveError(
                .forbidden,
                reason: "insufficientPermissions",
                message: "Request had insufficient authentication scopes."
            )
        }
    }
}

extension DriveState {
    mutating func ensureUser(email: String, displayName: String?, storageLimit: Int64?, journal: inout Journal) {
        if var existing = users[email] {
            existing.storageLimit = storageLimit ?? existing.storageLimit
            existing.displayName = displayName ?? existing.displayName
            users[email] = existing
            journal.save(.user, email, existing)
            return
        }
        let rootID = "0A" + Identifier.random(count: 17)
        let appDataID = "1" + Identifier.random(count: 32)
        let user = UserRecord(
            email: email,
            displayName: displayName ?? String(email.split(separator: "@").first ?? Substring(email)),
            permissionId: Identifier.numeric(count: 20),
            rootFolderId: rootID,
            appDataFolderId: appDataID,
            storageLimit: storageLimit
        )
        users[email] = user
        journal.save(.user, email, user)
        let root = FileRecord(
            id: rootID,
            name: "My Drive",
            mimeType: MimeType.folder,
            parents: [],
            owner: email,
            createdTime: now,
            modifiedTime: now
        )
        files[rootID] = root
        journal.save(.file, rootID, root)
        var appData = root
        appData.id = appDataID
        appData.name = "Application Data"
        files[appDataID] = appData
        journal.save(.file, appDataID, appData)
    }
}
