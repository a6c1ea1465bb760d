import AsyncHTTPClient
import DriveEmulator
import DriveSyncTestSupport
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// A real `drivesync serve` process and a real SIGTERM: what is in flight finishes, the job stops between
/// files and goes back to the queue for the next worker, and the process exits 0.
struct ShutdownEndToEndTests {
    @Test(.timeLimit(.minutes(3)))
    func sigtermLetsADownloadFinishGivesTheJobBackAndExitsZero() async throws {
        try await withRunningEmulator { emulator in
            let fixture = try await ServiceProcessFixture.prepare(emulator, extra: "\n[service]\nshutdown_grace = 20\n")
            defer { fixture.remove() }
            let source = fixture.folder + "/project"
            try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
            for index in 0..<40 {
                try Data("file \(index)".utf8).write(to: URL(fileURLWithPath: source + "/f\(index).txt"))
            }
            let key = fixture.key
            let (serve, base) = try await fixture.serve(logLevel: "info")

            func request(_ method: HTTPMethod, _ uri: String, body: ByteBuffer? = nil) -> HTTPClientRequest {
                var request = HTTPClientRequest(url: base + uri)
                request.method = method
                request.headers.add(name: "Authorization", value: "Bearer \(key)")
                if let body { request.body = .bytes(body) }
                return request
            }
            var content = ByteBuffer()
            for index in 0..<(16 << 20) / 8 { content.writeInteger(UInt64(index)) }
            let uploaded = try await HTTPClient.shared.execute(
                request(.POST, "/drive/files?path=big.bin", body: content),
                timeout: .seconds(60)
            )
            let item = try JSONDecoder().decode(
                [String: JSONScalar].self,
                from: Data(buffer: try await uploaded.body.collect(upTo: 1 << 20))
            )
            let id = try #require(item["id"]?.text)

            // A job slowed by the emulator, so it is still running when the signal comes.
            emulator.emulator.faults.add(
                FaultRule(method: "files.create", count: 1000, action: .latency(milliseconds: 150))
            )
            let job = #"{"kind": "copy", "source": "\#(source)", "destination": "emu:Copied"}"#
            let submitted = try await HTTPClient.shared.execute(
                request(.POST, "/drive/jobs", body: ByteBuffer(string: job)),
                timeout: .seconds(30)
            )
            #expect(submitted.status == .accepted)
            let accepted = try JSONDecoder().decode(
                [String: JSONScalar].self,
                from: Data(buffer: try await submitted.body.collect(upTo: 1 << 20))
            )
            let jobID = try #require(accepted["id"]?.text)

            // A download begun before the signal, read to its end after it.
            let download = try await HTTPClient.shared.execute(
                request(.GET, "/drive/files/\(id)/content"),
                timeout: .seconds(60)
            )
            var body = download.body.makeAsyncIterator()
            var received = try #require(try await body.next())
            serve.send(SIGTERM)
            var failure: (any Error)?
            do {
                while var more = try await body.next() { received.writeBuffer(&more) }
            } catch {
                failure = error
            }
            let status = try await serve.exitStatus(within: .seconds(60))
            let output = serve.output.filter { !$0.contains("drive.method") }.suffix(40)
            #expect(failure == nil, "the download in flight finished whole: \(String(describing: failure)) \(output)")
            #expect(received == content)
            #expect(status == 0, "\(output)")
            let shown = try fixture.run(["jobs", "show", jobID])
            let shownJob = await shown.remainingOutput().joined(separator: "\n")
            #expect(try await shown.exitStatus() == 0)
            #expect(
                shownJob.contains(#""state":"queued""#) && shownJob.contains(#""outcome":"released""#),
                "\(shownJob)"
            )
        }
    }
}

/// A JSON value of an answer that tests only read as text.
enum JSONScalar: Decodable {
    case text(String)
    case other

    init(from decoder: any Decoder) throws {
        self = (try? decoder.singleValueContainer().decode(String.self)).map(JSONScalar.text) ?? .other
    }

    var text: String? { if case .text(let value) = self { value } else { nil } }
}
