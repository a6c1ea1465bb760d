import ArgumentParser
import DriveEmulator
import DriveSyncCore
import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SyncEngine
import SyncState
import Testing

@testable import DriveSyncCommands

/// A data folder and a source folder for one test, removed afterwards.
struct Scratch {
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("home-\(UUID().uuidString)").path
    let source = FileManager.default.temporaryDirectory.appendingPathComponent("src-\(UUID().uuidString)").path

    func write(_ path: String, _ text: String) throws {
        let full = source + "/" + path
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: full).deletingLastPathComponent().path,
            withIntermediateDirectories: true
        )
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: home)
        try? FileManager.default.removeItem(atPath: source)
    }

    /// A configuration file naming an emulator account.
    func config(for emulator: RunningEmulator, token: String? = nil, extra: String = "") throws -> String {
        let path = home + "/config.ini"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let text = """
            [defaults]
            upload_log = \(home)/logs/up.jsonl
            \(extra)

            [account emu]
            endpoint = \(emulator.baseURL)
            access_token = \(token ?? emulator.token)
            pacing = none
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}

func parse<Command: ParsableCommand>(_ arguments: [String], as type: Command.Type = Command.self) throws -> Command {
    try #require(try DriveSyncCommand.parseAsRoot(arguments) as? Command)
}

struct SyncCommandTests {
    @Test func syncsToTheEmbeddedDriveThenHasNothingToDo() async throws {
        let scratch = Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("notes.md", "note")
        try scratch.write("memory/a.json", "{}")
        let command: SyncCommand = try parse(["sync", scratch.source, "drive:MemoryVDB"])
        let first = try await command.perform(home: scratch.home)
        #expect(first.report?.failures.isEmpty == true)
        #expect(first.report?.completed.count == 3)
        let second = try await command.perform(home: scratch.home)
        #expect(second.plan.isEmpty, "a second run has nothing to do")

        try scratch.write("notes.md", "changed note")
        let dry = try await
            (try parse(["sync", scratch.source, "drive:MemoryVDB", "--dry-run", "--json"], as: SyncCommand.self))
            .perform(home: scratch.home)
        #expect(dry.report == nil)
        #expect(dry.plan.actions == [.replace(try RemotePath("notes.md"))])
        let json = try JSONSerialization.jsonObject(with: try PlanJSON(dry.plan).encoded()) as? [String: Any]
        #expect((json?["actions"] as? [[String: Any]])?.first?["action"] as? String == "replace")
        #expect(
            try await command.perform(home: scratch.home).report?.archived.count == 1,
            "the old remote copy was archived"
        )

        // While another sync holds the state, a second one is refused with a clear message.
        let lockPath = try #require(
            try FileManager.default.contentsOfDirectory(atPath: scratch.home + "/state").first {
                $0.hasSuffix(".sqlite")
            }
        )
        let lock = try SyncLock.acquire(
            at: scratch.home + "/state/" + lockPath.replacingOccurrences(of: ".sqlite", with: ".lock")
        )
        defer { lock.release() }
        let refused = await #expect(throws: DriveSyncError.self) { _ = try await command.perform(home: scratch.home) }
        #expect(refused?.description.contains("another sync") == true)
    }

    @Test func badInputIsRefusedWithNothingChanged() async throws {
        let scratch = Scratch()
        defer { scratch.cleanUp() }
        let missing: SyncCommand = try parse(["sync", "/nonexistent-\(UUID().uuidString)"])
        await #expect(throws: DriveSyncError.self) { _ = try await missing.perform(home: scratch.home) }
        #expect(!FileManager.default.fileExists(atPath: scratch.home + "/drive"))
        try scratch.write("a.txt", "a")
        let unknownAccount: SyncCommand = try parse(["sync", scratch.source, "s3:bucket"])
        await #expect(throws: Location.Invalid.self) { _ = try await unknownAccount.perform(home: scratch.home) }
        let throughAFile: SyncCommand = try parse(["sync", scratch.source, "drive:x"])
        _ = try await throughAFile.perform(home: scratch.home)
        let below: SyncCommand = try parse(["sync", scratch.source, "drive:x/a.txt/deeper"])
        let through = await #expect(throws: (any Error).self) { _ = try await below.perform(home: scratch.home) }
        #expect("\(through!)".contains("a file is in the way"), "\(through!)")
        for arguments in [
            ["sync", "/tmp", "drive:x", "--transfers", "0"], ["sync", "/tmp", "drive:x", "--max-delete", "lots"],
            ["sync", "/tmp", "drive:x", "--json"], ["cat", "drive:x", "--range", "9-1"],
        ] {
            #expect(throws: (any Error).self) { try DriveSyncCommand.parseAsRoot(arguments) }
        }
        let badConfig = scratch.home + "/bad.ini"
        try Data("[defaults]\ntransfers = many\n".utf8).write(to: URL(fileURLWithPath: badConfig))
        let withBadConfig: SyncCommand = try parse(["sync", scratch.source, "drive:y", "--config", badConfig])
        let invalid = await #expect(throws: Configuration.Invalid.self) {
            _ = try await withBadConfig.perform(home: scratch.home)
        }
        #expect(invalid?.description.contains("line 2") == true)
    }

    @Test func accountsInTheConfigurationPointAtAnyEndpoint() async throws {
        try await withRunningEmulator { emulator in
            let scratch = Scratch()
            defer { scratch.cleanUp() }
            try scratch.write("notes/a.md", "alpha")
            try scratch.write("b.txt", "bravo")
            let config = try scratch.config(for: emulator)
            let sync: SyncCommand = try parse([
                "sync", scratch.source, "emu:Mirror", "--config", config, "--tag", "t1", "--note", "first",
            ])
            #expect(try await sync.perform(home: scratch.home).report?.failures.isEmpty == true)
            let log = try JSONLinesLog(path: scratch.home + "/logs/up.jsonl").entries(as: UploadLogEntry.self)
            #expect(
                log.count == 2
                    && log.allSatisfy {
                        $0.status == .success && $0.tags == ["t1"] && $0.note == "first" && $0.md5 != nil
                    }
            )

            let check: CheckCommand = try parse(["check", scratch.source, "emu:Mirror", "--config", config])
            #expect(try await check.perform(home: scratch.home).isIdentical)
            try scratch.write("b.txt", "changed")
            let differs = try await check.perform(home: scratch.home)
            #expect(differs.differing.map(\.description) == ["b.txt"])

            let driveSync = try DriveSync(configuration: Configuration.load(explicit: config), home: scratch.home)
            let text = try await driveSync.withFile(.drive(account: "emu", path: try RemotePath("Mirror/notes/a.md"))) {
                remote,
                path in
                try await remote.read(path, range: 1..<3) { stream in
                    var text = ""
                    for try await buffer in stream { text += String(buffer: buffer) }
                    return text
                }
            }
            #expect(text == "lp")
            let statistics = try await driveSync.statistics()
            #expect(
                statistics.first?.files == 2 && statistics.first?.folders == 1
                    && statistics.first?.followsChangesFeed == true
            )
            #expect(
                try await driveSync.clearTracker(
                    source: scratch.source,
                    destination: .drive(account: "emu", path: try RemotePath("Mirror"))
                ) == 3
            )
            // After forgetting, a full comparison finds a.md already there and uploads only the change.
            let after = try await sync.perform(home: scratch.home)
            #expect(
                after.plan.actions.sorted { "\($0)" < "\($1)" }
                    == [
                        .adoptFolder(try RemotePath("notes")), .adopt(try RemotePath("notes/a.md")),
                        .resolveConflict(try RemotePath("b.txt")),
                    ].sorted { "\($0)" < "\($1)" }
            )
        }
    }

    @Test func syncsAndPushesBackupsIntoASharedDrive() async throws {
        try await withRunningEmulator { emulator in
            let scratch = Scratch()
            defer { scratch.cleanUp() }
            try scratch.write("notes/a.md", "alpha")
            let config = try scratch.config(for: emulator)
            let created = try await emulator.send(
                .POST,
                "/drive/v3/drives?requestId=r1",
                body: ByteBuffer(string: #"{"name":"Engineering"}"#)
            )
            let driveId = try #require(try Self.object(created)["id"] as? String)
            /// Names below `query` in the shared drive, or in My Drive.
            func names(inSharedDrive: Bool) async throws -> [String] {
                let scope =
                    inSharedDrive
                    ? "&corpora=drive&driveId=\(driveId)&includeItemsFromAllDrives=true&supportsAllDrives=true" : ""
                let reply = try await emulator.send(.GET, "/drive/v3/files?q=trashed%20%3D%20false\(scope)")
                return ((try Self.object(reply)["files"] as? [[String: Any]]) ?? []).compactMap {
                    $0["name"] as? String
                }
                .sorted()
            }
            let sync: SyncCommand = try parse([
                "sync", scratch.source, "emu:Reports", "--shared-drive", "Engineering", "--config", config,
            ])
            #expect(try await sync.perform(home: scratch.home).report?.failures.isEmpty == true)
            #expect(try await names(inSharedDrive: true) == ["Reports", "a.md", "notes"])
            #expect(try await names(inSharedDrive: false).isEmpty, "nothing in My Drive")
            #expect(try await sync.perform(home: scratch.home).plan.isEmpty)

            // Written as a location with the drive's ID it is another pair, which adopts what is there.
            let byID: SyncCommand = try parse([
                "sync", scratch.source, "emu,shared_drive=\(driveId):Reports", "--config", config,
            ])
            #expect(try await byID.perform(home: scratch.home).report?.uploadedBytes == 0)
            #expect(try await names(inSharedDrive: true) == ["Reports", "a.md", "notes"])

            let push: BackupCommand.Push = try parse([
                "backup", "push", scratch.source, "--project", "emu:Backups", "--shared-drive", "Engineering",
                "--config", config,
            ])
            let pushed = try await push.transfer.perform(
                push.target.global,
                projectFolder: nil,
                home: scratch.home,
                progress: nil
            ) { driveSync in try await push.target.request(driveSync) }
            #expect(pushed.report?.failures.isEmpty == true)
            #expect(try await names(inSharedDrive: true) == ["Backups", "Reports", "a.md", "a.md", "notes", "notes"])
            #expect(try await names(inSharedDrive: false).isEmpty)

            let local: CopyCommand = try parse(["copy", scratch.source, scratch.home + "/copy", "--shared-drive", "X"])
            await #expect(throws: Location.Invalid.self) { _ = try await local.perform(home: scratch.home) }
        }
    }

    static func object(_ reply: RunningEmulator.Reply) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(reply.body.readableBytesView)) as? [String: Any])
    }

    @Test func theDailyUploadLimitHoldsUploadsAndTheNextRunSendsThem() async throws {
        let limits = EmulatorConfiguration.Limits(dailyUploadBytes: 10)
        try await withRunningEmulator(configuration: .init(limits: limits)) { emulator in
            let scratch = Scratch()
            defer { scratch.cleanUp() }
            try scratch.write("a.txt", "12345678")
            try scratch.write("old.txt", "x")
            let config = try scratch.config(for: emulator)
            let arguments = ["sync", scratch.source, "emu:Up", "--delete", "--transfers", "1", "--config", config]
            let sync: SyncCommand = try parse(arguments)
            #expect(try await sync.perform(home: scratch.home).report?.failures.isEmpty == true)

            // b crosses the cap and completes, as on Drive; c is refused; d is not tried; old.txt still goes.
            for name in ["b", "c", "d"] { try scratch.write("\(name).txt", "12345678") }
            try FileManager.default.removeItem(atPath: scratch.source + "/old.txt")
            emulator.emulator.faults.resetCallCounts()
            let held = try await sync.perform(home: scratch.home)
            let report = try #require(held.report)
            #expect(report.failures.isEmpty, "a held upload is not a failure")
            #expect(report.uploadsDeferred == 2 && report.uploadsResumeAt != nil)
            #expect(report.completed.contains(.removeRemote(try RemotePath("old.txt"))))
            #expect(throws: ExitCode(.uploadLimit)) {
                try TransferSummary(outcome: held, json: false, destination: "emu:Up").print()
            }
            #expect(
                emulator.emulator.faults.callCounts["files.create"] == 3,
                "b, the archive folder, and c once: the refusal is not retried"
            )

            emulator.emulator.setLimits(.init())
            let resumed = try await sync.perform(home: scratch.home)
            #expect(resumed.report?.failures.isEmpty == true && resumed.report?.uploadsResumeAt == nil)
            #expect(try await sync.perform(home: scratch.home).plan.isEmpty)

            // The ledger alone holds uploads once it has seen the account's limit (33 bytes so far).
            let capped = try scratch.config(for: emulator)
            try (try String(contentsOfFile: capped, encoding: .utf8) + "\ndaily_upload_limit = 33\n").write(
                toFile: capped,
                atomically: true,
                encoding: .utf8
            )
            try scratch.write("e.txt", "e")
            emulator.emulator.faults.resetCallCounts()
            let ledgerHeld = try await sync.perform(home: scratch.home)
            #expect(ledgerHeld.report?.uploadsDeferred == 1)
            #expect(emulator.emulator.faults.callCounts["files.create"] == nil, "nothing sent")
        }
    }

    @Test func missingCredentialsStopEverythingAndAreLogged() async throws {
        try await withRunningEmulator { emulator in
            let scratch = Scratch()
            defer { scratch.cleanUp() }
            try scratch.write("a.txt", "a")
            let config = try scratch.config(for: emulator, token: "")
            let sync: SyncCommand = try parse(["sync", scratch.source, "emu:Mirror", "--config", config])
            let error = await #expect(throws: MissingCredentials.self) {
                _ = try await sync.perform(home: scratch.home)
            }
            #expect(error?.description.contains("drivesync auth login emu") == true)
            let log = try JSONLinesLog(path: scratch.home + "/logs/up.jsonl").entries(as: UploadLogEntry.self)
            #expect(log.map(\.status) == [.tokenMissing])
            // A refused token: the run stops before changing anything, logged as auth_failed.
            let refusedConfig = try scratch.config(for: emulator, token: "not-a-token")
            let refused: SyncCommand = try parse(["sync", scratch.source, "emu:Mirror", "--config", refusedConfig])
            let thrown = await #expect(throws: (any Error).self) { _ = try await refused.perform(home: scratch.home) }
            #expect((thrown as? any CredentialAwareError)?.credentialProblem == .rejected)
            let after = try JSONLinesLog(path: scratch.home + "/logs/up.jsonl").entries(as: UploadLogEntry.self)
            #expect(after.map(\.status) == [.tokenMissing, .authFailed])
            #expect(
                try await emulator.send(.GET, "/drive/v3/files?q=name%3D%27Mirror%27").text.contains("Mirror") == false,
                "nothing was created"
            )
        }
    }
}

struct ErrorReportingTests {
    @Test func everyErrorBecomesItsExitStatus() async throws {
        await #expect(throws: ExitCode(64)) {
            try await reportingErrors { _ = try Location(parsing: "nobody:path") }
        }
        await #expect(throws: ExitCode(130)) { try await reportingErrors { throw CancellationError() } }
        await #expect(throws: ExitCode(1)) {
            try await reportingErrors { throw DriveSyncError(.invalidArgument, "no") }
        }
        struct Unexpected: Error {}
        await #expect(throws: ExitCode(1), "an error nobody described still ends in one line and status 1") {
            try await reportingErrors { throw Unexpected() }
        }
    }

    @Test func verbosityFlagsChooseTheLogLevel() throws {
        let quiet = try DriveSyncCommand.parseAsRoot(["sync", "src", "-q"])
        #expect(DriveSyncCommand.logLevel(of: quiet, environment: [:]) == .error)
        let chatty = try DriveSyncCommand.parseAsRoot(["sync", "src", "-vv"])
        #expect(DriveSyncCommand.logLevel(of: chatty, environment: ["DRIVESYNC_LOG_LEVEL": "error"]) == .debug)
        let plain = try DriveSyncCommand.parseAsRoot(["pull", "drive:x", "dst"])
        #expect(DriveSyncCommand.logLevel(of: plain, environment: ["DRIVESYNC_LOG_LEVEL": "Warning"]) == .warning)
        #expect(DriveSyncCommand.logLevel(of: plain, environment: [:]) == .notice)
    }
}
