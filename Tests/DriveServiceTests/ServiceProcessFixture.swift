import DriveSyncTestSupport
import Foundation
import Testing

/// What an end-to-end test needs to run `drivesync` processes against an emulator: a folder, a
/// configuration naming the emulator as account `emu` (the default) with `extra` lines after it, the
/// service's database (`database`, else each home's SQLite file), and an API key made in `home`.
struct ServiceProcessFixture {
    var folder: String
    var config: String
    var database: String?
    var key: String

    static func prepare(
        _ emulator: RunningEmulator,
        extra: String = "",
        database: String? = nil,
        home: String = "data"
    ) async throws -> ServiceProcessFixture {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let config = folder + "/config.ini"
        try Data(
            """
            [account emu]
            endpoint = \(emulator.baseURL)
            access_token = \(emulator.token)
            pacing = none
            default = true
            \(extra)
            """.utf8
        ).write(to: URL(fileURLWithPath: config))
        var fixture = ServiceProcessFixture(folder: folder, config: config, database: database, key: "")
        let keys = try fixture.run(["serve", "keys", "create", "tests"], home: home)
        fixture.key = try #require(await keys.remainingOutput().first { $0.hasPrefix("dsk_") })
        #expect(try await keys.exitStatus() == 0)
        return fixture
    }

    /// The environment of a process whose data folder is `home` below the fixture's folder.
    func environment(home: String = "data", logLevel: String = "warning") -> [String: String] {
        ["DRIVESYNC_HOME": folder + "/" + home, "DRIVESYNC_LOG_LEVEL": logLevel]
    }

    /// Starts `drivesync ARGUMENTS` with the fixture's configuration and database.
    func run(_ arguments: [String], home: String = "data", logLevel: String = "warning") throws -> DriveSyncProcess {
        try DriveSyncProcess(
            arguments + ["--config", config] + (database.map { ["--database", $0] } ?? []),
            environment: environment(home: home, logLevel: logLevel)
        )
    }

    /// Starts `drivesync serve` and waits until it listens; returns the process and its base URL.
    func serve(
        port: Int = 0,
        _ arguments: [String] = [],
        home: String = "data",
        logLevel: String = "warning"
    ) async throws -> (process: DriveSyncProcess, base: String) {
        let serve = try run(["serve", "--port", "\(port)"] + arguments, home: home, logLevel: logLevel)
        let listening = try #require(
            await serve.waitForLine { $0.hasPrefix("DriveSync service listening on") },
            "\(serve.output)"
        )
        return (serve, String(try #require(listening.split(separator: " ").last)))
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }
}
