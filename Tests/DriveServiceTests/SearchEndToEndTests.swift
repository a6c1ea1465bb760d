import AsyncHTTPClient
import DriveAPI
import DriveEmulator
import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// A real `drivesync serve` indexing its account's changes: a file edited on Drive is found by its new
/// words within seconds, through Drive's push notification, the change feed and a `process-file` job, and
/// no longer by its old ones; index runs are queued through `POST /drive/index`.
struct SearchEndToEndTests {
    struct Results: Decodable {
        var results: [SearchHit]
    }

    func send(
        _ service: PushEndToEndTests.Service,
        _ method: HTTPMethod,
        _ path: String,
        body: String? = nil
    ) async throws -> (status: Int, body: ByteBuffer) {
        var request = HTTPClientRequest(url: service.base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(service.fixture.key)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), try await response.body.collect(upTo: 8 << 20))
    }

    func search(_ service: PushEndToEndTests.Service, _ query: String) async throws -> [String] {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let (status, body) = try await send(service, .GET, "/drive/search?q=\(encoded)")
        #expect(status == 200)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Results.self, from: body).results.map(\.path)
    }

    @Test(.timeLimit(.minutes(3)))
    func anEditOnDriveIsSearchableWithinSecondsAndIndexRunsAreQueued() async throws {
        try await withRunningEmulator { emulator in
            let drive = PushEndToEndTests.drive(emulator)
            let service = try await PushEndToEndTests.Service.prepare(emulator, extra: "index = all")
            defer { service.fixture.remove() }
            let serve = try await service.start()
            defer { serve.send(SIGKILL) }
            #expect(try await eventually { emulator.emulator.watchChannels.count == 1 }, "a channel opens")

            let song = try await drive.upload(
                ByteBuffer(string: "Autumn leaves in G minor, a ballad."),
                metadata: File(name: "song.txt", mimeType: "text/plain", parents: ["root"])
            )
            let clock = ContinuousClock()
            var start = clock.now
            #expect(try await eventually { try await search(service, "autumn") == ["song.txt"] }, "\(serve.output)")
            let created = clock.now - start

            _ = try await drive.upload(
                ByteBuffer(string: "Now it is Blue Bossa, in C minor."),
                metadata: File(),
                replacing: song.id
            )
            start = clock.now
            #expect(try await eventually { try await search(service, "bossa") == ["song.txt"] })
            #expect(try await search(service, "autumn").isEmpty, "the old content no longer matches")
            print("search e2e: created searchable after \(created), edit after \(clock.now - start)")

            let ready = try await send(service, .GET, "/health/ready")
            #expect(String(buffer: ready.body).contains("files indexed"))
            let metrics = try await send(service, .GET, "/metrics")
            #expect(String(buffer: metrics.body).contains("drivesync_content_files_total"))

            // An index run of a folder, queued; and bad input refused.
            _ = try await drive.upload(
                ByteBuffer(string: "Giant steps, fast."),
                metadata: File(name: "steps.md", mimeType: "text/markdown", parents: ["root"])
            )
            let queued = try await send(service, .POST, "/drive/index", body: #"{"locations": ["drive:"]}"#)
            #expect(queued.status == 202)
            #expect(try await eventually { try await search(service, "giant") == ["steps.md"] })
            let summary = try await send(service, .GET, "/drive/index")
            #expect(String(buffer: summary.body).contains("\"indexed\":2"))

            #expect(try await send(service, .POST, "/drive/index", body: #"{"locations": ["/tmp"]}"#).status == 400)
            #expect(try await send(service, .POST, "/drive/index", body: #"{"locations": 3}"#).status == 400)
            #expect(try await send(service, .GET, "/drive/search").status == 400)
            #expect(try await send(service, .GET, "/drive/search?q=%22open").status == 400)
            #expect(try await send(service, .GET, "/drive/search?q=x&limit=0").status == 400)
        }
    }
}
