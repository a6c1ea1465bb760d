import DriveSyncCore
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The time the emulator lives in. Tests advance a manual clock instead of sleeping.
public struct EmulatorClock: Sendable {
    private let read: @Sendable () -> Date

    public init(_ now: @escaping @Sendable () -> Date) { self.read = now }

    public static let system = EmulatorClock { Date() }

    /// A clock that only moves when told to.
    public static func manual(
        startingAt start: Date = Date(timeIntervalSince1970: 1_767_225_600)
    ) -> (EmulatorClock, ManualClockControl) {
        let control = ManualClockControl(start)
        return (EmulatorClock { control.now }, control)
    }

    public func now() -> Date { read() }
    var milliseconds: Int64 { DriveTimestamp.milliseconds(of: read()) }
}

/// Moves a manual `EmulatorClock`.
public final class ManualClockControl: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    public var now: Date { current.withLock { $0 } }
    public func advance(by seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Everything the emulator knows, held in memory and written through to SQLite on every mutation.
struct DriveState: Sendable {
    var users: [String: UserRecord] = [:]
    var files: [String: FileRecord] = [:]
    var children: [String: Set<String>] = [:]
    var revisions: [String: [RevisionRecord]] = [:]
    var permissions: [String: [PermissionRecord]] = [:]
    var drives: [String: SharedDriveRecord] = [:]
    var driveRequests: [String: String] = [:]
    var changes: [ChangeRecord] = []
    /// Each file's newest change: a feed page shows a file once, at its newest change.
    var latestChange: [String: Int64] = [:]
    var uploads: [String: UploadSessionRecord] = [:]
    var issuedIds: Set<String> = []
    var accessTokens: [String: AccessTokenRecord] = [:]
    var refreshTokens: [String: RefreshTokenRecord] = [:]
    var channels: [String: ChannelRecord] = [:]
    var now: Int64 = 0

    var nextChangeSequence: Int64 { (changes.last?.sequence ?? 0) + 1 }
}

/// What a change wakes. A closure kept in a `Mutex` directly is re-wrapped in a reabstraction thunk on
/// every `withLock` that reads it (the `inout` value is converted back and forth), so calls got deeper
/// with every change and each request cost more than the last; inside a struct it is stored as it is.
struct ChangeObserver: Sendable {
    var notify: (@Sendable () -> Void)?
}

/// Writes made by one mutation, persisted together. An emulator kept in memory records none.
struct Journal {
    private let persistent: Bool
    private(set) var writes: [EmulatorDatabase.Write] = []
    /// Blobs no longer referenced once the mutation is durable.
    var blobsToRemove: [String] = []
    private(set) var recordedChanges = false

    private static let encoder = JSONEncoder()

    init(persistent: Bool) { self.persistent = persistent }

    mutating func save(_ collection: EmulatorDatabase.Collection, _ id: String, _ value: some Encodable) {
        if collection == .change { recordedChanges = true }
        guard persistent else { return }
        writes.append(.init(collection: collection, id: id, document: try? Self.encoder.encode(value)))
    }

    mutating func delete(_ collection: EmulatorDatabase.Collection, _ id: String) {
        guard persistent else { return }
        writes.append(.init(collection: collection, id: id, document: nil))
    }
}

/// The emulator's storage: in-memory state behind a lock, SQLite for durability (unless the emulator is
/// kept in memory), a blob store for content.
///
/// Mutations run under the lock and must validate before they change anything: a mutation that throws
/// must leave the state as it found it. Their writes reach SQLite after the lock is released, in the
/// order the mutations happened, so reads and other mutations do not wait for the disk; a mutation
/// returns once its writes are committed, and one transaction commits every journal waiting by then.
final class DriveStore: Sendable {
    private let state: Mutex<DriveState>
    private let database: EmulatorDatabase?
    /// Journals not yet in SQLite, oldest first, and how many were ever queued (a journal's ticket).
    private let uncommitted = Mutex<(journals: [[EmulatorDatabase.Write]], queued: Int)>(([], 0))
    /// How many queued journals are in SQLite; held while committing, so commits run one at a time.
    private let committed = Mutex(0)
    let blobs: BlobStore
    let clock: EmulatorClock
    /// Called after a mutation that recorded changes, outside the lock (wakes push delivery).
    private let onChange = Mutex(ChangeObserver())

    /// - Parameter database: where the state is kept, or `nil` for an emulator that lives in memory.
    init(database: EmulatorDatabase?, blobs: BlobStore, clock: EmulatorClock) throws {
        self.database = database
        self.blobs = blobs
        self.clock = clock
        self.state = Mutex(try database.map(Self.load) ?? DriveState())
    }

    func setChangeObserver(_ observer: @escaping @Sendable () -> Void) {
        onChange.withLock { $0.notify = observer }
    }

    func read<Result: Sendable>(_ body: (DriveState) throws -> Result) rethrows -> Result {
        let now = clock.milliseconds
        return try state.withLock { state in
            state.now = now
            return try body(state)
        }
    }

    func write<Result: Sendable>(_ body: (inout DriveState, inout Journal) throws -> Result) throws -> Result {
        let now = clock.milliseconds
        let (result, journal, ticket) = try state.withLock { state throws -> (Result, Journal, Int?) in
            state.now = now
            var journal = Journal(persistent: database != nil)
            let result = try body(&state, &journal)
            guard !journal.writes.isEmpty else { return (result, journal, nil) }
            let ticket = uncommitted.withLock {
                $0.journals.append(journal.writes)
                $0.queued += 1
                return $0.queued
            }
            return (result, journal, ticket)
        }
        if let ticket { try commit(through: ticket) }
        for blob in journal.blobsToRemove { blobs.remove(blob) }
        if journal.recordedChanges, let notify = onChange.withLock({ $0.notify }) { notify() }
        return result
    }

    /// Returns once the journal with `ticket`, and every one before it, is in SQLite.
    private func commit(through ticket: Int) throws {
        guard let database else { return }
        try committed.withLock { committed in
            guard committed < ticket else { return }
            let journals = uncommitted.withLock { uncommitted in
                defer { uncommitted.journals.removeAll() }
                return uncommitted.journals
            }
            do {
                try database.apply(journals.flatMap { $0 })
            } catch {
                // Kept first in line: the next commit tries them again, so none is skipped.
                uncommitted.withLock { $0.journals.insert(contentsOf: journals, at: 0) }
                throw error
            }
            committed += journals.count
        }
    }

    private static func load(from database: EmulatorDatabase) throws -> DriveState {
        let decoder = JSONDecoder()
        func all<T: Decodable>(_ collection: EmulatorDatabase.Collection, _ type: T.Type) throws -> [T] {
            try database.loadAll(collection).map { try decoder.decode(T.self, from: $0) }
        }
        var state = DriveState()
        for user in try all(.user, UserRecord.self) { state.users[user.email] = user }
        for file in try all(.file, FileRecord.self) {
            state.files[file.id] = file
            for parent in file.parents { state.children[parent, default: []].insert(file.id) }
        }
        for revision in try all(.revision, RevisionRecord.self) {
            state.revisions[revision.fileId, default: []].append(revision)
        }
        for key in state.revisions.keys {
            state.revisions[key]?.sort {
                $0.modifiedTime < $1.modifiedTime || ($0.modifiedTime == $1.modifiedTime && $0.id < $1.id)
            }
        }
        for permission in try all(.permission, PermissionRecord.self) {
            state.permissions[permission.resourceId, default: []].append(permission)
        }
        for key in state.permissions.keys { state.permissions[key]?.sort { $0.id < $1.id } }
        for drive in try all(.drive, SharedDriveRecord.self) {
            state.drives[drive.id] = drive
            state.driveRequests[drive.requestId] = drive.id
        }
        state.changes = try all(.change, ChangeRecord.self).sorted { $0.sequence < $1.sequence }
        for change in state.changes { if let fileId = change.fileId { state.latestChange[fileId] = change.sequence } }
        for upload in try all(.upload, UploadSessionRecord.self) { state.uploads[upload.id] = upload }
        state.issuedIds = Set(try all(.issuedId, String.self))
        for token in try all(.accessToken, AccessTokenRecord.self) { state.accessTokens[token.token] = token }
        for token in try all(.refreshToken, RefreshTokenRecord.self) { state.refreshTokens[token.token] = token }
        for channel in try all(.channel, ChannelRecord.self) { state.channels[channel.id] = channel }
        return state
    }
}

// MARK: - Identifiers

enum Identifier {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_")

    /// A Drive-looking file ID: 33 characters of URL-safe base64, starting with `1`.
    static func fileId() -> String { "1" + random(count: 32) }

    static func random(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    static func numeric(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in Character(String(generator.next() % 10)) })
    }
}
