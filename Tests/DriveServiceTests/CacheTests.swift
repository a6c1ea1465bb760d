import AsyncHTTPClient
import DriveAPI
import DriveEmulator
import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@testable import DriveSyncKit

struct CacheTests {
    @Test func aRepeatedListingMakesNoDriveCallsAndWritesShowAtOnce() async throws {
        try await ServiceHarness.run { service in
            _ = try await service.upload("one", to: "Cached/a.txt")
            let first = try service.json(Page.self, try await service.send(.get, "/drive/files?path=Cached"))
            #expect(first.items.map(\.name) == ["a.txt"])
            let faults = service.emulator.emulator.faults
            let before = faults.callCounts
            for _ in 0..<5 {
                let again = try service.json(Page.self, try await service.send(.get, "/drive/files?path=Cached"))
                #expect(again.items == first.items)
            }
            #expect(faults.callCounts == before, "five listings within the time to live: no Drive call")

            _ = try await service.upload("two", to: "Cached/b.txt")
            let after = try service.json(Page.self, try await service.send(.get, "/drive/files?path=Cached"))
            #expect(after.items.map(\.name) == ["a.txt", "b.txt"], "the service's own write shows at once")
            let renamed = try await service.send(
                .patch,
                "/drive/files/\(after.items[0].id)",
                body: ByteBuffer(string: #"{"name": "z.txt"}"#)
            )
            #expect(renamed.status == .ok)
            let listed = try service.json(Page.self, try await service.send(.get, "/drive/files?path=Cached"))
            #expect(listed.items.map(\.name) == ["b.txt", "z.txt"])
        }
    }

    @Test func changesMadeElsewhereLeaveTheCacheWithTheFeed() async throws {
        try await ServiceHarness.run { service in
            let folder = try service.json(
                Item.self,
                try await service.send(.post, "/drive/folders", body: ByteBuffer(string: #"{"path": "Shared"}"#))
            )
            #expect(try service.json(Page.self, try await service.send(.get, "/drive/files?path=Shared")).items.isEmpty)
            // Another client adds a file behind the service's back.
            let other = DriveClient(
                httpClient: .shared,
                tokens: FixedAccessToken(service.emulator.token),
                configuration: .init(baseURL: service.emulator.baseURL)
            )
            var metadata = File()
            metadata.name = "elsewhere.txt"
            metadata.parents = [folder.id]
            _ = try await other.upload(ByteBuffer(string: "hi"), metadata: metadata)
            #expect(
                try service.json(Page.self, try await service.send(.get, "/drive/files?path=Shared")).items.isEmpty,
                "still cached"
            )
            await service.connections.applyChanges()
            let listed = try service.json(Page.self, try await service.send(.get, "/drive/files?path=Shared"))
            #expect(listed.items.map(\.name) == ["elsewhere.txt"])
        }
    }

    @Test func aWatchedAccountsCacheForgetsWhatItsChangeEventsName() async throws {
        try await ServiceHarness.run { service in
            let folder = try service.json(
                Item.self,
                try await service.send(.post, "/drive/folders", body: ByteBuffer(string: #"{"path": "Watched"}"#))
            )
            #expect(
                try service.json(Page.self, try await service.send(.get, "/drive/files?path=Watched")).items.isEmpty
            )
            let database = try await DriveSync(home: service.home).openServiceDatabase()
            defer { Task { await database.close() } }
            let events = EventStream(store: database.state, logger: Logger(label: "test"))
            let driveSync = service.connections.driveSync
            _ = try await driveSync.applyChanges(account: "emu", state: database.state, events: events)
            let other = DriveClient(
                httpClient: .shared,
                tokens: FixedAccessToken(service.emulator.token),
                configuration: .init(baseURL: service.emulator.baseURL)
            )
            _ = try await other.upload(
                ByteBuffer(string: "hi"),
                metadata: File(name: "pushed.txt", parents: [folder.id])
            )
            let before = try await events.lastID()
            _ = try await driveSync.applyChanges(account: "emu", state: database.state, events: events)
            let published = try await events.events(after: before)
            #expect(published.contains { $0.type == "file.changed" && $0.data["parent"] == folder.id })
            for event in published { await service.connections.invalidate(for: event) }
            let listed = try service.json(Page.self, try await service.send(.get, "/drive/files?path=Watched"))
            #expect(listed.items.map(\.name) == ["pushed.txt"])
        }
    }

    static func item(_ id: String, parents: [String] = []) -> DriveItem {
        var file = File()
        file.id = id
        file.name = id
        file.mimeType = "text/plain"
        file.parents = parents
        return DriveItem(file)
    }

    @Test func entriesExpireAndTheLeastRecentlyUsedGoFirst() async throws {
        let clock = ManualDate()
        let cache = MetadataCache(settings: .init(timeToLive: 30, capacity: 10), now: { clock.now })
        await cache.store(.item(Self.item("a")), for: .item("a"))
        clock.advance(by: 29)
        #expect(await cache.value(.item("a")) != nil)
        clock.advance(by: 2)
        #expect(await cache.value(.item("a")) == nil, "past its time to live")

        for index in 0..<10 { await cache.store(.item(Self.item("\(index)")), for: .item("\(index)")) }
        _ = await cache.value(.item("0"))  // used: the most recent now
        await cache.store(.item(Self.item("new")), for: .item("new"))
        #expect(await cache.count == 9, "a tenth evicted at once, and one more")
        let kept = await cache.value(.item("0"))
        let added = await cache.value(.item("new"))
        #expect(kept != nil && added != nil)
        #expect(await cache.value(.item("1")) == nil, "the least recently used went first")
    }

    @Test func invalidationReachesPathsBelowListingsAndItems() async throws {
        let cache = MetadataCache()
        let notes = try RemotePath("Notes")
        await cache.store(.item(Self.item("notes")), for: .path(notes))
        await cache.store(.item(Self.item("a", parents: ["notes"])), for: .path(try RemotePath("Notes/a.txt")))
        await cache.store(.item(Self.item("b")), for: .path(try RemotePath("Other/b.txt")))
        await cache.store(
            .listing(items: [], nextPageToken: nil),
            for: .listing(folderID: "notes", pageToken: nil, pageSize: 100)
        )
        await cache.store(
            .listing(items: [], nextPageToken: nil),
            for: .listing(folderID: "other", pageToken: nil, pageSize: 100)
        )
        #expect(await cache.cachedFolderIDs(along: try RemotePath("Notes/x")) == ["notes"])
        await cache.invalidate(items: ["notes"])  // renamed: its path and everything found below it go
        #expect(await cache.value(.path(try RemotePath("Notes/a.txt"))) == nil)
        #expect(await cache.value(.listing(folderID: "notes", pageToken: nil, pageSize: 100)) == nil)
        #expect(await cache.value(.path(try RemotePath("Other/b.txt"))) != nil)
        await cache.invalidate(folders: ["other"])
        #expect(await cache.value(.listing(folderID: "other", pageToken: nil, pageSize: 100)) == nil)
    }
}
