import AsyncHTTPClient
import DriveAPI
import DriveEmulator
import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceState
import Testing

/// A real `drivesync serve` process whose `public_url` is itself: it opens a push channel on the emulator,
/// Drive's notifications reach its webhook, and each change on Drive reaches `/drive/events`, a signed
/// delivery to the application, and the pull pair that reads the folder.
struct PushEndToEndTests {
    struct EventPage: Decodable {
        var events: [EventStream.Event]
        var lastID: Int

        enum CodingKeys: String, CodingKey {
            case events
            case lastID = "last_id"
        }
    }

    /// A service on a port chosen beforehand, so its `public_url` can name itself.
    struct Service {
        var fixture: ServiceProcessFixture
        var port: Int

        var base: String { "http://127.0.0.1:\(port)" }
        var folder: String { fixture.folder }

        static func prepare(_ emulator: RunningEmulator, extra: String) async throws -> Service {
            let port = try freeLoopbackPort()
            let fixture = try await ServiceProcessFixture.prepare(
                emulator,
                extra: """

                    [service]
                    public_url = http://127.0.0.1:\(port)
                    notification_delay = 0.1
                    job_lease = 5
                    \(extra)
                    """
            )
            return Service(fixture: fixture, port: port)
        }

        func start() async throws -> DriveSyncProcess { try await fixture.serve(port: port).process }

        func events(after id: Int) async throws -> EventPage {
            var request = HTTPClientRequest(url: base + "/drive/events?since=\(id)&timeout=5")
            request.headers.add(name: "Authorization", value: "Bearer \(fixture.key)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            return try JSONDecoder().decode(EventPage.self, from: try await response.body.collect(upTo: 8 << 20))
        }
    }

    static func drive(_ emulator: RunningEmulator) -> DriveClient {
        DriveClient(
            httpClient: .shared,
            tokens: FixedAccessToken(emulator.token),
            configuration: .init(baseURL: emulator.baseURL),
            pacer: RequestPacer(configuration: .unlimited)
        )
    }

    @Test(.timeLimit(.minutes(3)))
    func aChangeOnDriveReachesEventsTheApplicationAndThePullPair() async throws {
        try await withRunningEmulator { emulator in
            try await withWebhookReceiver { receiverURL, deliveries in
                let drive = Self.drive(emulator)
                let inbox = try #require(
                    try await drive.createFile(File(name: "Inbox", mimeType: File.folderMimeType, parents: ["root"])).id
                )
                let secret = "a-shared-secret-of-some-length"
                let local = FileManager.default.temporaryDirectory.appendingPathComponent("inbox-\(UUID().uuidString)")
                    .path
                defer { try? FileManager.default.removeItem(atPath: local) }
                let service = try await Service.prepare(
                    emulator,
                    extra: """

                        [notify app]
                        url = \(receiverURL)
                        secret = \(secret)
                        events = file.changed,file.removed

                        [pair inbox]
                        kind = pull
                        source = emu:Inbox
                        destination = \(local)
                        """
                )
                defer { service.fixture.remove() }
                let serve = try await service.start()
                defer { serve.send(SIGKILL) }
                #expect(try await eventually { emulator.emulator.watchChannels.count == 1 }, "a channel opens")
                let channel = try #require(emulator.emulator.watchChannels.first)
                #expect(channel.address == service.base + "/drive/webhook")

                var lastID = try await service.events(after: 0).lastID
                var seen: [EventStream.Event] = []
                func follow(until predicate: (EventStream.Event) -> Bool) async throws -> Bool {
                    try await eventually {
                        let page = try await service.events(after: lastID)
                        lastID = page.lastID
                        seen += page.events
                        return seen.contains(where: predicate)
                    }
                }

                let created = try await drive.upload(
                    ByteBuffer(string: "first"),
                    metadata: File(name: "notes.txt", parents: [inbox])
                )
                let id = try #require(created.id)
                #expect(try await follow { $0.type == "file.changed" && $0.data["id"] == id })
                #expect(
                    try await eventually {
                        (try? String(contentsOfFile: local + "/notes.txt", encoding: .utf8)) == "first"
                    },
                    "the pull pair has the new file"
                )

                _ = try await drive.upload(ByteBuffer(string: "second"), metadata: File(), replacing: id)
                #expect(
                    try await eventually {
                        (try? String(contentsOfFile: local + "/notes.txt", encoding: .utf8)) == "second"
                    },
                    "the pull pair has the edit"
                )
                _ = try await drive.updateFile(id, File(name: "renamed.txt"))
                #expect(try await follow { $0.type == "file.changed" && $0.data["name"] == "renamed.txt" })
                #expect(
                    try await eventually { FileManager.default.fileExists(atPath: local + "/renamed.txt") },
                    "the pull pair has the rename"
                )
                _ = try await drive.trashFile(id)
                #expect(try await follow { $0.type == "file.removed" && $0.data["id"] == id })

                // The application got the same, each delivery signed.
                var received: [(type: String, data: [String: String])] = []
                var iterator = deliveries.makeAsyncIterator()
                while !received.contains(where: { $0.type == "file.removed" && $0.data["id"] == id }) {
                    let delivery = try #require(await iterator.next())
                    let body = Data(buffer: delivery.body)
                    let signature = try #require(delivery.header(WebhookSignature.header))
                    #expect(WebhookSignature.verify(signature, body: body, secret: secret))
                    #expect(!WebhookSignature.verify(signature, body: body, secret: "another-secret-entirely"))
                    #expect(delivery.header("Idempotency-Key") != nil)
                    let event = try JSONDecoder().decode(EventStream.Event.self, from: body)
                    #expect(["file.changed", "file.removed"].contains(event.type))
                    received.append((event.type, event.data))
                }
                #expect(received.contains { $0.type == "file.changed" && $0.data["name"] == "renamed.txt" })
            }
        }
    }

    /// 1,000 changes on Drive (500 files created, 300 renamed, 200 trashed) while 10% of notifications are
    /// dropped and 10% sent twice, and the service is killed `kills` times along the way: the file records
    /// end exactly as Drive has them, and without kills each change is published exactly once.
    static func changeStream(kills: Int) async throws {
        try await withRunningEmulator { emulator in
            let service = try await Service.prepare(emulator, extra: "safety_poll = 10")
            defer { service.fixture.remove() }
            emulator.emulator.setNotificationFaults(NotificationFaults(drop: 0.1, duplicate: 0.1, seed: 1500))
            let drive = Self.drive(emulator)
            var serve = try await service.start()
            defer { serve.send(SIGKILL) }
            let database = try await DriveSync(home: service.folder + "/data").openServiceDatabase()
            defer { Task { await database.close() } }
            #expect(try await eventually { emulator.emulator.watchChannels.count == 1 }, "a channel opens")
            #expect(
                try await eventually { try await database.state.changeCursor(account: "emu") != nil },
                "the feed's start is noted"
            )

            var ids: [String] = []
            var made = 0
            func restartIfDue() async throws {
                // Killed after every quarter of the stream, up to `kills` times.
                guard kills > 0, made % 250 == 0, made / 250 <= kills, made < 1000 else { return }
                serve.send(SIGKILL)
                _ = try await serve.exitStatus()
                serve = try await service.start()
            }
            for index in 0..<500 {
                ids.append(try #require(try await drive.createFile(File(name: "f\(index).txt", parents: ["root"])).id))
                made += 1
                try await restartIfDue()
            }
            for index in 0..<300 {
                _ = try await drive.updateFile(ids[index], File(name: "renamed\(index).txt"))
                made += 1
                try await restartIfDue()
            }
            for index in 300..<500 {
                _ = try await drive.trashFile(ids[index])
                made += 1
                try await restartIfDue()
            }
            func expected(_ index: Int) -> (name: String, trashed: Bool) {
                index < 300 ? ("renamed\(index).txt", false) : ("f\(index).txt", true)
            }
            let complete = try await eventually(timeout: .seconds(90)) {
                let records = try await database.state.fileRecords(account: "emu", limit: 10_000)
                let byID = Dictionary(records.map { ($0.fileID, $0) }, uniquingKeysWith: { first, _ in first })
                return ids.indices.allSatisfy { index in
                    let record = byID[ids[index]]
                    return record?.name == expected(index).name && record?.trashed == expected(index).trashed
                }
            }
            #expect(complete, "every change is in the file records")
            let records = try await database.state.fileRecords(account: "emu", limit: 10_000)
            #expect(Set(records.map(\.fileID)).count == records.count, "one record per file")
            #expect(Set(ids).isSubset(of: Set(records.map(\.fileID))))
            #expect(emulator.emulator.watchChannels.count == 1, "no channel left open after restarts")

            guard kills == 0 else { return }
            // No change was published twice: a file's events are each a different state of it.
            let events = try await database.state.events(after: 0, limit: 100_000)
                .filter { $0.type == "file.changed" || $0.type == "file.removed" }
                .compactMap { try? JSONDecoder().decode([String: String].self, from: Data($0.data.utf8)) }
            let states = events.map { [$0["id"] ?? "", $0["name"] ?? "", $0["trashed"] ?? ""] }
            #expect(Set(states).count == states.count, "\(states.count - Set(states).count) changes published twice")
            #expect(Set(ids).isSubset(of: Set(events.compactMap { $0["id"] })))
        }
    }

    @Test(.timeLimit(.minutes(4)))
    func aThousandChangesAreAppliedOnceThroughDroppedAndDuplicatedNotifications() async throws {
        try await Self.changeStream(kills: 0)
    }

    @Test(.timeLimit(.minutes(5)))
    func aThousandChangesAreAppliedOnceThroughThreeKills() async throws {
        try await Self.changeStream(kills: 3)
    }
}
