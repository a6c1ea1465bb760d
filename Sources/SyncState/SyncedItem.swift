public import DriveSyncCore

/// What the last successful sync recorded for a file.
public struct SyncedItem: Hashable, Sendable {
    public var path: RemotePath
    public var size: Int64
    public var modified: Int64
    public var md5: String?
    public var remoteId: String?
    public var remoteMD5: String?
    public var remoteModified: Int64?
    /// When this file was last synced, in epoch milliseconds.
    public var lastSynced: Int64?

    public init(
        path: RemotePath,
        size: Int64,
        modified: Int64,
        md5: String?,
        remoteId: String?,
        remoteMD5: String?,
        remoteModified: Int64?,
        lastSynced: Int64? = nil
    ) {
        self.path = path
        self.size = size
        self.modified = modified
        self.md5 = md5
        self.remoteId = remoteId
        self.remoteMD5 = remoteMD5
        self.remoteModified = remoteModified
        self.lastSynced = lastSynced
    }
}

