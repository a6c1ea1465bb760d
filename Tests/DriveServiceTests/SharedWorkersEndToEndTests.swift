import AsyncHTTPClient
import DriveEmulator
import DriveSyncTestSupport
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// `drivesync serve` and two `drivesync worker` processes, each with its own data folder, on one
/// PostgreSQL database: a batch of sync jobs and then pull jobs submitted to the service is split
/// between all three, and every job lands.
struct SharedWorkersEndToEndTests {
    struct Job: Decodable {
        var id: String
        var state: String
        var worker: String?
    }

    @Test(.timeLimit(.minutes(4)))
    func theServiceAndTwoWorkersSplitSyncAndPullJobs() async throws {
        let database = try await TestPostgres.makeDatabase()
        try await withRunningEmulator { emulator in
            // Slow enough that one process cannot take the whole batch before the others wake.
            emulator.emulator.faults.add(
                FaultRule(method: "files.create", count: 100_000, action: .latency(milliseconds: 40))
            )
            let fixture = try await ServiceProcessFixture.prepare(emulator, database: database, home: "service")
            defer { fixture.remove() }
            let folder = fixture.folder
            let key = fixture.key
            let jobs = 6
            for index in 0..<jobs {
                for file in 0..<3 {
                    let path = folder + "/source\(index)/f\(file).txt"
                    try FileManager.default.createDirectory(
                        atPath: (path as NSString).deletingLastPathComponent,
                        withIntermediateDirectories: true
                    )
                    try Data("job \(index) file \(file)".utf8).write(to: URL(fileURLWithPath: path))
                }
            }
            let (serve, base) = try await fixture.serve(["--workers", "1"], home: "service")
            let workers = try (1...2).map { index in
                try fixture.run(["worker", "--concurrency", "1"], home: "worker\(index)")
            }
            defer {
                serve.send(SIGKILL)
                for worker in workers { worker.send(SIGKILL) }
            }
            for worker in workers { _ = await worker.waitForLine { $0.contains("worker ") } }

            func call(_ method: HTTPMethod, _ uri: String, body: String? = nil) async throws -> ByteBuffer {
                var request = HTTPClientRequest(url: base + uri)
                request.method = method
                request.headers.add(name: "Authorization", value: "Bearer \(key)")
                if let body { request.body = .bytes(ByteBuffer(string: body)) }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                return try await response.body.collect(upTo: 1 << 20)
            }
            func runBatch(_ specs: [String]) async throws -> [Job] {
                var submitted: [Job] = []
                for spec in specs {
                    submitted.append(
                        try JSONDecoder().decode(Job.self, from: try await call(.POST, "/drive/jobs", body: spec))
                    )
                }
                var finished: [Job] = []
                for job in submitted {
                    var current = job
                    let deadline = ContinuousClock.now + .seconds(120)
                    while !["succeeded", "partial", "dead", "cancelled"].contains(current.state),
                        ContinuousClock.now < deadline
                    {
                        try await Task.sleep(for: .milliseconds(100))
                        current = try JSONDecoder().decode(
                            Job.self,
                            from: try await call(.GET, "/drive/jobs/\(job.id)")
                        )
                    }
                    finished.append(current)
                }
                return finished
            }

            let syncs = try await runBatch(
                (0..<jobs).map {
                    #"{"kind": "sync", "source": "\#(folder)/source\#($0)", "destination": "emu:Split/s\#($0)"}"#
                }
            )
            let pulls = try await runBatch(
                (0..<jobs).map {
                    #"{"kind": "pull", "source": "emu:Split/s\#($0)", "destination": "\#(folder)/pulled\#($0)"}"#
                }
            )
            let all = syncs + pulls
            let states = all.map { "\($0.id) \($0.state) \($0.worker ?? "")" }
            #expect(all.allSatisfy { $0.state == "succeeded" }, "\(states) \(workers.map(\.output))")
            for index in 0..<jobs {
                for file in 0..<3 {
                    let pulled = FileManager.default.contents(atPath: folder + "/pulled\(index)/f\(file).txt")
                    #expect(pulled == Data("job \(index) file \(file)".utf8))
                }
            }
            let processes = [serve.processIdentifier] + workers.map(\.processIdentifier)
            let ranBy = Set(all.compactMap { $0.worker?.split(separator: ":").last.flatMap { Int32($0) } })
            #expect(ranBy.isSubset(of: Set(processes)))
            #expect(ranBy.count == 3, "the service and both workers ran jobs: \(ranBy) of \(processes)")
            serve.send(SIGTERM)
            for worker in workers { worker.send(SIGTERM) }
            #expect(try await serve.exitStatus(within: .seconds(30)) == 0)
            for worker in workers {
                #expect(try await worker.exitStatus(within: .seconds(30)) == 0, "\(worker.output.suffix(20))")
            }
        }
    }
}
