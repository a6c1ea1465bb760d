import DriveEmulator
import DriveSyncCore
import DriveSyncTestSupport
import Foundation
import Testing

/// SIGTERM and SIGINT sent to real `drivesync sync` and `drivesync pull` processes at seeded random
/// points: each stops within its grace period with 143 or 130, records no failure, and the next run
/// completes the tree without duplicates.
struct SignalEndToEndTests {
    static let points = 10
    static let files = 16

    @Test(arguments: [SIGTERM, SIGINT])
    func syncStoppedBySignalsFinishesOnTheNextRun(signal: Int32) async throws {
        try await withRunningEmulator { emulator in
            // Each create takes a while, so signals land with transfers in flight.
            emulator.emulator.faults.add(
                FaultRule(method: "files.create", count: 1_000_000, action: .latency(milliseconds: 25))
            )
            let home = try ProcessHome(emulator)
            defer { home.cleanUp() }
            var generator = SplitMix64(seed: 0x5157_0000 + UInt64(signal))
            for point in 0..<Self.points {
                let pair = try DrivePair(emulator, target: "Signalled \(point)")
                defer { pair.cleanUp() }
                for index in 0..<Self.files {
                    try pair.write(
                        "d\(index % 3)/f\(index).txt",
                        String(repeating: "\(point).\(index) ", count: 4_000 + index)
                    )
                }
                let arguments = [
                    "sync", pair.root, "emu:Signalled \(point)", "-v", "--transfers", "2", "--config", home.config,
                ]
                let stopAfter = Int.random(in: 1...(Self.files / 2), using: &generator)

                let interrupted = try DriveSyncProcess(arguments, environment: home.environment)
                var done = 0
                while done < stopAfter, await interrupted.waitForLine(where: { $0.hasPrefix("done: ") }) != nil {
                    done += 1
                }
                interrupted.send(signal)
                let output = await interrupted.remainingOutput()
                #expect(
                    try await interrupted.exitStatus() == 128 + signal,
                    "point \(point) after \(stopAfter) files: \(output.suffix(5))"
                )
                #expect(output.contains { $0.contains("interrupted by") })

                let completion = try DriveSyncProcess(arguments, environment: home.environment)
                let rest = await completion.remainingOutput()
                #expect(try await completion.exitStatus() == 0, "\(rest.suffix(5))")
                let remote = try await pair.remoteDigests()
                let local = try pair.localTree()
                #expect(remote == local, "point \(point): \(difference(remote, local))")
            }
            #expect(
                try home.logLines("uploads.jsonl").filter { $0.contains(#""status":"fail""#) } == [],
                "an interruption is not a failure"
            )
        }
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func pullStoppedBySignalsFinishesOnTheNextRun(signal: Int32) async throws {
        try await withRunningEmulator { emulator in
            let source = try DrivePair(emulator, target: "Pulled")
            defer { source.cleanUp() }
            for index in 0..<Self.files {
                try source.write("d\(index % 3)/f\(index).bin", String(repeating: "\(index)", count: 60_000 + index))
            }
            _ = try await source.sync()
            emulator.emulator.faults.add(
                FaultRule(method: "files.get", count: 1_000_000, action: .latency(milliseconds: 25))
            )
            let home = try ProcessHome(emulator)
            defer { home.cleanUp() }
            var generator = SplitMix64(seed: 0x9011_0000 + UInt64(signal))
            for point in 0..<Self.points {
                let destination = home.folder + "/work/pulled \(point)"
                let arguments = ["pull", "emu:Pulled", destination, "-v", "--transfers", "2", "--config", home.config]
                let stopAfter = Int.random(in: 1...(Self.files / 2), using: &generator)

                let interrupted = try DriveSyncProcess(arguments, environment: home.environment)
                var done = 0
                while done < stopAfter, await interrupted.waitForLine(where: { $0.hasPrefix("done: ") }) != nil {
                    done += 1
                }
                interrupted.send(signal)
                let output = await interrupted.remainingOutput()
                #expect(
                    try await interrupted.exitStatus() == 128 + signal,
                    "point \(point) after \(stopAfter) files: \(output.suffix(5))"
                )

                let completion = try DriveSyncProcess(arguments, environment: home.environment)
                let rest = await completion.remainingOutput()
                #expect(try await completion.exitStatus() == 0, "\(rest.suffix(5))")
                let pulled = try PullFixture.tree(of: destination)
                let local = try source.localTree()
                #expect(pulled == local, "point \(point): \(difference(pulled, local))")
                let partial =
                    (try? FileManager.default.contentsOfDirectory(atPath: destination + "/.drivesync/partial")) ?? []
                #expect(partial.isEmpty, "no partial download is left once the pull completes")
            }
            #expect(
                try home.logLines("pulls.jsonl").filter { $0.contains(#""status":"failed""#) } == [],
                "an interruption is not a failure"
            )
        }
    }

    @Test func aSecondSignalStopsAtOnceAndTheNextRunMakesNoDuplicate() async throws {
        try await withRunningEmulator { emulator in
            let home = try ProcessHome(emulator)
            defer { home.cleanUp() }
            let pair = try DrivePair(emulator, target: "Twice")
            defer { pair.cleanUp() }
            for index in 0..<6 { try pair.write("f\(index).txt", "file \(index)") }
            // The first upload answers at once; the others take longer than anyone would wait.
            emulator.emulator.faults.add(FaultRule(path: "/upload/", count: 1, action: .latency(milliseconds: 0)))
            emulator.emulator.faults.add(
                FaultRule(path: "/upload/", count: 1_000_000, action: .latency(milliseconds: 5_000))
            )
            let arguments = ["sync", pair.root, "emu:Twice", "-v", "--transfers", "2", "--config", home.config]
            let process = try DriveSyncProcess(arguments, environment: home.environment)
            _ = await process.waitForLine { $0.hasPrefix("done: ") }
            process.send(SIGTERM)
            _ = await process.waitForLine { $0.contains("stopping") }
            process.send(SIGTERM)
            let output = await process.remainingOutput()
            #expect(output.contains { $0.contains("second signal") }, "\(output.suffix(5))")
            #expect(try await process.exitStatus(within: .seconds(30)) == 143, "\(output.suffix(5))")

            emulator.emulator.faults.removeAll()
            let completion = try DriveSyncProcess(arguments, environment: home.environment)
            let rest = await completion.remainingOutput()
            #expect(try await completion.exitStatus() == 0, "\(rest.suffix(5))")
            let remote = try await pair.remoteDigests()
            let local = try pair.localTree()
            #expect(remote == local, "\(difference(remote, local))")
            #expect(try home.logLines("uploads.jsonl").filter { $0.contains(#""status":"fail""#) } == [])
        }
    }
}

/// A data folder and configuration for `drivesync` processes that reach the test's emulator.
struct ProcessHome: Sendable {
    let folder: String
    let config: String

    init(_ emulator: RunningEmulator) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("process-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        config = folder + "/config.ini"
        let text = """
            [defaults]
            upload_log = \(folder)/data/logs/uploads.jsonl

            [account emu]
            endpoint = \(emulator.baseURL)
            access_token = \(emulator.token)
            pacing = none
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: config))
    }

    /// DriveSync's data folder (`DRIVESYNC_HOME`); what the processes work on goes beside it.
    var data: String { folder + "/data" }

    var environment: [String: String] { ["DRIVESYNC_HOME": data, "DRIVESYNC_LOG_LEVEL": "notice"] }

    func logLines(_ name: String) throws -> [String] {
        let path = data + "/logs/" + name
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: folder) }
}
