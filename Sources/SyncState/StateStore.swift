public import DriveSyncCore
public import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The sync state of one sync pair: one store per concern over one database. Each store method keeps
/// one invariant in one transaction.
public struct StateStore: Sendable {
    public let items: SyncedItemStore
    public let failures: FailedUploadStore
    public let pairs: SyncPairStore
    public let tree: RemoteTreeStore
    public let intents: CreateIntentStore
    public let sessions: UploadSessionStore

    /// The stores over a migrated database (`StateDatabase.open`).
    public init(_ writer: any DatabaseWriter) {
        items = SyncedItemStore(writer)
        failures = FailedUploadStore(writer)
        pairs = SyncPairStore(writer)
        tree = RemoteTreeStore(writer)
        intents = CreateIntentStore(writer)
        sessions = UploadSessionStore(writer)
    }

    /// Opens (creating and migrating) the state at `path`, or an in-memory state when `path` is `nil`.
    public init(path: String?) throws {
        self.init(try StateDatabase.open(path: path))
    }
}
