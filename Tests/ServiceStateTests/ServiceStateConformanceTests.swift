import DriveSyncTestSupport
import Foundation
import Logging
import SQLDatabase
import ServiceState
import Synchronization
import Testing

/// The service's shared state keeps the same promises on SQLite and on PostgreSQL.
struct ServiceStateConformanceTests {
    final class Clock: Sendable {
        private let value = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func callAsFunction() -> Date { value.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { value.withLock { $0 += seconds } }
    }

    func open(_ backend: TestDatabaseBackend, clock: Clock = Clock()) async throws -> ServiceStateStore {
        let database = try await backend.freshLocation().connect(logger: Logger(label: "state-test"))
        let store = ServiceStateStore(backend: database, now: { clock() })
        try await store.migrate()
        return store
    }

    @Test(arguments: TestDatabaseBackend.allCases)
    func migrationsRunOnceAndTwoProcessesMayStartTogether(_ backend: TestDatabaseBackend) async throws {
        let location = try await backend.freshLocation()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    let database = try await location.connect(logger: Logger(label: "state-test"))
                    try await ServiceStateStore(backend: database).migrate()
                    await database.close()
                }
            }
            try await group.waitForAll()
        }
        let database = try await location.connect(logger: Logger(label: "state-test"))
        let versions = try await database.read(
            SQLStatement("SELECT version FROM schema_migrations WHERE component = 'service' ORDER BY version")
        )
        #expect(versions.compactMap { $0.integer("version") } == [1, 2], "each step once")
        await database.close()
    }

    @Test(arguments: TestDatabaseBackend.allCases)
    func apiKeysAreAddedOnceListedAndRemoved(_ backend: TestDatabaseBackend) async throws {
        let store = try await open(backend)
        defer { Task { await store.backend.close() } }
        let key = StoredAPIKey(name: "app", prefix: "dsk_abcd", hash: "h1", created: Date(timeIntervalSince1970: 5))
        try await store.addAPIKey(key)
        await #expect(throws: ServiceStateError.exists("a key called app")) {
            try await store.addAPIKey(StoredAPIKey(name: "app", prefix: "x", hash: "h2", created: Date()))
        }
        try await store.addAPIKey(StoredAPIKey(name: "another", prefix: "dsk_efgh", hash: "h3", created: Date()))
        #expect(try await store.apiKeys().map(\.name) == ["another", "app"])
        #expect(try await store.apiKeys().last == key)
        #expect(try await store.removeAPIKey("app"))
        #expect(try await !store.removeAPIKey("app"))
        #expect(try await store.apiKeys().map(\.name) == ["another"])
    }

    @Test(arguments: TestDatabaseBackend.allCases)
    func sealedCredentialsAreKeptByAccount(_ backend: TestDatabaseBackend) async throws {
        let clock = Clock()
        let store = try await open(backend, clock: clock)
        defer { Task { await store.backend.close() } }
        let sealed = Data((0..<200).map { UInt8($0) })
        try await store.putSealedCredential(sealed, for: "work")
        try await store.putSealedCredential(Data([1, 2]), for: "home")
        try await store.putSealedCredential(Data([3]), for: "home")
        #expect(try await store.sealedCredential("work")?.sealed == sealed)
        #expect(try await store.sealedCredential("home")?.sealed == Data([3]))
        #expect(try await store.sealedCredential("home")?.updated == clock())
        #expect(try await store.credentialAccounts() == ["home", "work"])
        clock.advance(60)
        try await store.removeCredential("home")
        let removed = try #require(try await store.sealedCredential("home"))
        #expect(removed.sealed == nil)
        #expect(removed.updated == clock(), "when it was removed")
        #expect(try await store.credentialAccounts() == ["work"])
        #expect(try await store.sealedCredential("never") == nil)
    }

    @Test(arguments: TestDatabaseBackend.allCases)
    func aChangePageMovesTheCursorAndTheRecordsTogether(_ backend: TestDatabaseBackend) async throws {
        let store = try await open(backend)
        defer { Task { await store.backend.close() } }
        let report = FileRecord(account: "a", fileID: "f1", name: "report.txt", md5: "m1", revision: "r1")
        try await store.apply(ChangePage(account: "a", from: nil, to: "t1", files: [report], removed: []))
        #expect(try await store.changeCursor(account: "a") == "t1")
        #expect(try await store.fileRecord(account: "a", fileID: "f1")?.status == .pending)
        #expect(try await store.recordProcessing(account: "a", fileID: "f1", revision: "r1", status: .processed))

        // A page read from a cursor that moved meanwhile changes nothing.
        var stale = ChangePage(account: "a", from: nil, to: "t9", files: [], removed: ["f1"])
        await #expect(throws: ServiceStateError.cursorMoved(account: "a", driveID: "")) { try await store.apply(stale) }
        stale.from = "t0"
        await #expect(throws: ServiceStateError.cursorMoved(account: "a", driveID: "")) { try await store.apply(stale) }
        #expect(try await store.changeCursor(account: "a") == "t1")
        #expect(try await store.fileRecord(account: "a", fileID: "f1")?.status == .processed)

        // Renamed only: still processed. New content: pending again, and a late outcome for r1 is refused.
        var renamed = report
        renamed.name = "renamed.txt"
        try await store.apply(ChangePage(account: "a", from: "t1", to: "t2", files: [renamed], removed: []))
        #expect(try await store.fileRecord(account: "a", fileID: "f1")?.status == .processed)
        var edited = renamed
        edited.md5 = "m2"
        edited.revision = "r2"
        try await store.apply(ChangePage(account: "a", from: "t2", to: "t3", files: [edited], removed: []))
        #expect(try await store.fileRecord(account: "a", fileID: "f1")?.status == .pending)
        #expect(try await !store.recordProcessing(account: "a", fileID: "f1", revision: "r1", status: .processed))
        #expect(try await store.fileRecords(account: "a", status: .pending).map(\.name) == ["renamed.txt"])

        // Trashed, then deleted for good: removed either way.
        var trashed = edited
        trashed.trashed = true
        try await store.apply(ChangePage(account: "a", from: "t3", to: "t4", files: [trashed], removed: []))
        #expect(try await store.fileRecord(account: "a", fileID: "f1")?.status == .removed)
        try await store.apply(ChangePage(account: "a", from: "t4", to: "t5", files: [edited], removed: []))
        #expect(try await store.fileRecord(account: "a", fileID: "f1")?.status == .pending)
        try await store.apply(ChangePage(account: "a", from: "t5", to: "t6", files: [], removed: ["f1"]))
        #expect(try await store.fileRecord(account: "a", fileID: "f1")?.status == .removed)

        // A shared drive has a cursor of its own; removing the account forgets both.
        try await store.apply(ChangePage(account: "a", driveID: "sd", from: nil, to: "s1", files: [], removed: []))
        #expect(try await store.changeCursor(account: "a", driveID: "sd") == "s1")
        try await store.forgetChanges(account: "a")
        #expect(try await store.changeCursor(account: "a") == nil)
        #expect(try await store.fileRecords(account: "a").isEmpty)
    }

    @Test(arguments: TestDatabaseBackend.allCases)
    func concurrentAppliersOfOnePageApplyItOnce(_ backend: TestDatabaseBackend) async throws {
        let store = try await open(backend)
        defer { Task { await store.backend.close() } }
        try await store.apply(ChangePage(account: "a", from: nil, to: "t1", files: [], removed: []))
        let applied = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<6 {
                group.addTask {
                    let file = FileRecord(account: "a", fileID: "f\(index)", name: "n\(index)")
                    do {
                        try await store.apply(
                            ChangePage(account: "a", from: "t1", to: "t2", files: [file], removed: [])
                        )
                        return true
                    } catch ServiceStateError.cursorMoved {
                        return false
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(applied == 1)
        #expect(try await store.fileRecords(account: "a").count == 1)
    }

    @Test(arguments: TestDatabaseBackend.allCases)
    func channelsTrackTheirMessageNumbers(_ backend: TestDatabaseBackend) async throws {
        let clock = Clock()
        let store = try await open(backend, clock: clock)
        defer { Task { await store.backend.close() } }
        let channel = StoredChannel(
            id: "ch1",
            account: "a",
            resourceID: "res",
            tokenHash: "hash",
            address: "https://example.com/drive/webhook",
            expiration: clock().addingTimeInterval(86_400),
            created: clock()
        )
        try await store.saveChannel(channel)
        try await store.saveChannel(
            StoredChannel(
                id: "ch0",
                account: "b",
                resourceID: nil,
                tokenHash: "h",
                address: "x",
                expiration: clock(),
                created: clock()
            )
        )
        #expect(try await store.channel("ch1") == channel)
        #expect(try await store.channels().map(\.id) == ["ch0", "ch1"])
        #expect(try await store.channels(account: "a").map(\.id) == ["ch1"])
        #expect(try await store.recordMessage(1, channel: "ch1") == .next)
        #expect(try await store.recordMessage(2, channel: "ch1") == .next)
        #expect(try await store.recordMessage(2, channel: "ch1") == .repeated)
        #expect(try await store.recordMessage(5, channel: "ch1") == .gap(missing: 2))
        #expect(try await store.recordMessage(4, channel: "ch1") == .repeated)
        #expect(try await store.recordMessage(1, channel: "unknown") == nil)
        let counted = try #require(try await store.channel("ch1"))
        #expect(counted.lastMessage == 5 && counted.gaps == 2 && counted.repeats == 2)
        #expect(try await store.removeChannel("ch1"))
        #expect(try await !store.removeChannel("ch1"))
    }

    @Test(arguments: TestDatabaseBackend.allCases)
    func eventsAreReadInOrderAfterAnIDAndPruned(_ backend: TestDatabaseBackend) async throws {
        let store = try await open(backend)
        defer { Task { await store.backend.close() } }
        #expect(try await store.lastEventID() == 0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask { try await store.appendEvent(type: "file.changed", data: #"{"n":"\#(index)"}"#) }
            }
            try await group.waitForAll()
        }
        let all = try await store.events(after: 0)
        #expect(all.count == 20 && all.map(\.id) == all.map(\.id).sorted())
        #expect(Set(all.map(\.data)).count == 20)
        let last = try await store.lastEventID()
        #expect(try await store.events(after: all[9].id, limit: 5).map(\.id) == Array(all[10..<15]).map(\.id))
        #expect(try await store.pruneEvents(keeping: 5) == 15)
        #expect(try await store.events(after: 0).map(\.id) == Array(all.suffix(5)).map(\.id))
        #expect(try await store.appendEvent(type: "t", data: "{}").id > last)
    }
}
