import AsyncHTTPClient
import DriveSyncKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// Over a real socket: large bodies both ways, and a client that goes away mid-download.
struct StreamingTests {
    struct Readiness: Decodable {
        var status: String
        var streams: Int
    }

    static func pattern(_ size: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(size)
        for index in 0..<size / 8 { buffer.writeInteger(UInt64(index) &* 0x9E37_79B9_7F4A_7C15) }
        return buffer
    }

    /// Uploads `body` to `path` with a deadline fit for a loaded machine (the test client allows 20 s).
    static func upload(_ body: ByteBuffer, to path: String, _ service: ServiceHarness) async throws -> Item {
        var upload = HTTPClientRequest(
            url: "http://127.0.0.1:\(try #require(service.client.port))/drive/files?path=\(path)"
        )
        upload.method = .POST
        upload.headers.add(name: "Authorization", value: "Bearer \(service.key)")
        upload.body = .bytes(body)
        let answer = try await HTTPClient.shared.execute(upload, timeout: .seconds(120))
        let created = try await answer.body.collect(upTo: 1 << 20)
        #expect(answer.status == .created, "\(String(buffer: created))")
        return try JSONDecoder().decode(Item.self, from: Data(buffer: created))
    }

    @Test func aHundredMebibytesGoUpAndComeBack() async throws {
        try await ServiceHarness.run(test: .live) { service in
            let base = "http://127.0.0.1:\(try #require(service.client.port))"
            let body = Self.pattern(100 << 20)
            let item = try await Self.upload(body, to: "Big/hundred.bin", service)
            #expect(item.size == 100 << 20)

            var download = HTTPClientRequest(url: base + "/drive/files/\(item.id)/content")
            download.headers.add(name: "Authorization", value: "Bearer \(service.key)")
            let back = try await HTTPClient.shared.execute(download, timeout: .seconds(120))
            #expect(back.status == .ok)
            #expect(try await back.body.collect(upTo: 101 << 20) == body)
        }
    }

    @Test func aClientThatGoesAwayMidDownloadEndsTheDriveStream() async throws {
        try await ServiceHarness.run(test: .live) { service in
            let body = Self.pattern(32 << 20)
            let item = try await Self.upload(body, to: "gone.bin", service)
            let port = try #require(service.client.port)
            let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
            let reader = Task {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/drive/files/\(item.id)/content")
                request.headers.add(name: "Authorization", value: "Bearer \(service.key)")
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
                var received = 0
                for try await buffer in response.body {
                    received += buffer.readableBytes
                    startedContinuation.yield()
                }
                return received
            }
            for await _ in started { break }
            reader.cancel()
            let received = try? await reader.value
            #expect((received ?? 0) < 32 << 20, "the client stopped before the end")
            // The service notices the closed connection and drops the Drive stream: no stream is left open.
            var streams = -1
            for _ in 0..<5_000 where streams != 0 {
                let ready = try service.json(Readiness.self, try await service.send(.get, "/health/ready"))
                streams = ready.streams
                await Task.yield()
            }
            #expect(streams == 0)
            let again = try await service.send(.get, "/drive/files/\(item.id)/content", headers: [.range: "bytes=-4"])
            #expect(again.status == .partialContent && again.body.readableBytes == 4, "the service still serves")
        }
    }
}
