public import DriveSyncCore

/// What the last successful sync recorded for a file.
public struct SyncedItem: Hashable, Sendable {
    public var path: RemotePath
    /// Folders are recorded too, so the remote tree can be known from the state alone.
    public var kind: RemoteEntry.Kind
    public var size: Int64
    public var modified: Int64
    public var md5: String?
    public var remoteID: String?
    public var remoteMD5: String?
    public var remoteModified: Int64?
    /// The remote content version that was synced (Drive's head revision).
    public var headRevision: String?
    /// Whether that version was uploaded kept forever (`replaced = revision`).
    public var headKept: Bool
    /// When this file was last synced, in epoch milliseconds.
    public var lastSynced: Int64?

    public init(
        path: RemotePath,
        kind: RemoteEntry.Kind = .file,
        size: Int64,
        modified: Int64,
        md5: String?,
        remoteID: String?,
        remoteMD5: String?,
        remoteModified: Int64?,
        headRevision: String? = nil,
        headKept: Bool = false,
        lastSynced: Int64? = nil
    ) {
        self.path = path
        self.kind = kind
        self.size = size
        self.modified = modified
        self.md5 = md5
        self.remoteID = remoteID
        self.remoteMD5 = remoteMD5
        self.remoteModified = remoteModified
        self.headRevision = headRevision
        self.headKept = headKept
        self.lastSynced = lastSynced
    }
}

/// An upload that failed and waits for `drivesync retry` (or the next sync).
public struct FailedUpload: Hashable, Sendable {
    public var path: RemotePath
    public var attempts: Int
    public var lastError: String
    /// Epoch milliseconds of the last attempt.
    public var lastAttempt: Int64
    public var tags: [String]
    public var note: String?

    public init(
        path: RemotePath,
        attempts: Int,
        lastError: String,
        lastAttempt: Int64,
        tags: [String] = [],
        note: String? = nil
    ) {
        self.path = path
        self.attempts = attempts
        self.lastError = lastError
        self.lastAttempt = lastAttempt
        self.tags = tags
        self.note = note
    }
}

/// Which local folder and remote location a state belongs to, so `retry` and `stats` can find their way
/// back.
public struct SyncPair: Hashable, Sendable, Codable {
    public var source: String
    public var destination: String

    public init(source: String, destination: String) {
        self.source = source
        self.destination = destination
    }
}
