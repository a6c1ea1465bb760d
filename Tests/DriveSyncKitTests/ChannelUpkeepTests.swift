import AsyncHTTPClient
import DriveAPI
import DriveEmulator
import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import Logging
import ServiceState
import Testing

/// The `watch-changes` upkeep against the emulator, on a manual clock shared by both.
struct ChannelUpkeepTests {
    /// DriveSync for one emulator account, its channels addressed to `publicURL`.
    static func driveSync(
        _ emulator: RunningEmulator,
        home: String,
        publicURL: String?,
        watch: Bool = true,
        drives: [String] = []
    ) -> DriveSync {
        var configuration = Configuration()
        var account = Configuration.Account(name: "emu", endpoint: emulator.baseURL, accessToken: emulator.token)
        account.pacing = .none
        account.watch = watch
        account.watchDrives = drives
        configuration.accounts = [account]
        configuration.service.publicURL = publicURL
        // A feed read every day at most: the clock moves by days, and the reads are not what is tested.
        configuration.service.safetyPoll = .seconds(86_400)
        return DriveSync(configuration: configuration, home: home)
    }

    @Test func thirtyDaysOfChannelsNeverLapseAndNoneIsLeftOpen() async throws {
        let (clock, control) = EmulatorClock.manual()
        try await withRunningEmulator(configuration: EmulatorConfiguration(clock: clock)) { emulator in
            try await withWebhookReceiver { receiver, _ in
                let home = FileManager.default.temporaryDirectory.appendingPathComponent("upkeep-\(UUID().uuidString)")
                    .path
                defer { try? FileManager.default.removeItem(atPath: home) }
                let publicURL = String(receiver.dropLast("/hook".count))
                var driveSync = Self.driveSync(emulator, home: home, publicURL: publicURL)
                let database = try await driveSync.openServiceDatabase()
                defer { Task { await database.close() } }
                let state = ServiceStateStore(backend: database.jobs.backend, now: { control.now })
                func openOnDrive() -> [String] {
                    let now = DriveTimestamp.milliseconds(of: control.now)
                    return emulator.emulator.watchChannels.filter { $0.expiration > now }.map(\.id)
                }
                func openHere() async throws -> [StoredChannel] {
                    try await state.channels().filter { $0.state == .open }
                }

                let end = control.now.addingTimeInterval(30 * 86_400)
                var opened: Set<String> = []
                var restarted = false
                while control.now < end {
                    for channel in try await openHere() {
                        #expect(channel.expiration > control.now, "channel \(channel.id) lapsed")
                    }
                    let upkeep = try await driveSync.upkeepChannels(state: state, now: control.now)
                    #expect(upkeep.failures.isEmpty)
                    opened.formUnion(upkeep.opened)
                    let open = try await openHere()
                    #expect(open.count == 1)
                    #expect(open.map(\.id) == openOnDrive(), "Drive holds exactly the channel the service holds")
                    // The job runs a few minutes after it was due.
                    control.advance(by: max(60, upkeep.wake.timeIntervalSince(control.now)) + 240)
                    if !restarted && control.now > end.addingTimeInterval(-15 * 86_400) {
                        // A restart: a new process, the same database.
                        driveSync = Self.driveSync(emulator, home: home, publicURL: publicURL)
                        restarted = true
                    }
                }
                #expect(opened.count >= 5, "a week-long channel renewed through 30 days: \(opened.count)")

                // Down for eight days: the channel lapsed meanwhile; the next upkeep replaces it and reads
                // what it missed.
                control.advance(by: 8 * 86_400)
                let afterOutage = try await driveSync.upkeepChannels(state: state, now: control.now)
                #expect(afterOutage.opened.count == 1)
                #expect(afterOutage.read == [ChannelPlan.Target(account: "emu")])
                #expect(try await openHere().map(\.id) == openOnDrive())

                // The account no longer watched: its channel is stopped on Drive.
                let unwatched = Self.driveSync(emulator, home: home, publicURL: publicURL, watch: false)
                let stopped = try await unwatched.upkeepChannels(state: state, now: control.now)
                #expect(stopped.stopped.count == 1)
                #expect(try await openHere().isEmpty)
                #expect(openOnDrive().isEmpty)

                // Watched again, then the account removed through the service: its channel is stopped
                // before its credential goes.
                let reopened = try await driveSync.upkeepChannels(state: state, now: control.now)
                #expect(reopened.opened.count == 1 && openOnDrive().count == 1)
                let jobs = try driveSync.openJobs(service: database)
                await jobs.stopWatching(account: "emu")
                #expect(openOnDrive().isEmpty)
                #expect(try await openHere().isEmpty)
            }
        }
    }

    @Test func withoutAPublicURLTheFeedIsPolledAndNoChannelOpened() async throws {
        let (clock, control) = EmulatorClock.manual()
        try await withRunningEmulator(configuration: EmulatorConfiguration(clock: clock)) { emulator in
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("poll-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: home) }
            let driveSync = Self.driveSync(emulator, home: home, publicURL: nil)
            let database = try await driveSync.openServiceDatabase()
            defer { Task { await database.close() } }
            let state = ServiceStateStore(backend: database.jobs.backend, now: { control.now })
            let upkeep = try await driveSync.upkeepChannels(state: state, now: control.now)
            #expect(upkeep.opened.isEmpty && upkeep.read == [ChannelPlan.Target(account: "emu")])
            #expect(emulator.emulator.watchChannels.isEmpty)
            #expect(upkeep.wake == control.now.addingTimeInterval(60))
        }
    }

    @Test func aSharedDriveInWatchDrivesHasItsOwnChannelAndFeed() async throws {
        try await withRunningEmulator { emulator in
            try await withWebhookReceiver { receiver, _ in
                let home = FileManager.default.temporaryDirectory.appendingPathComponent("shared-\(UUID().uuidString)")
                    .path
                defer { try? FileManager.default.removeItem(atPath: home) }
                let client = DriveClient(
                    httpClient: .shared,
                    tokens: FixedAccessToken(emulator.token),
                    configuration: .init(baseURL: emulator.baseURL),
                    pacer: RequestPacer(configuration: .unlimited)
                )
                let team = try #require(try await client.createDrive(named: "Team", requestId: UUID().uuidString).id)
                let driveSync = Self.driveSync(
                    emulator,
                    home: home,
                    publicURL: String(receiver.dropLast("/hook".count)),
                    drives: [team]
                )
                let database = try await driveSync.openServiceDatabase()
                defer { Task { await database.close() } }
                let state = database.state
                let upkeep = try await driveSync.upkeepChannels(state: state, now: Date())
                #expect(upkeep.opened.count == 2 && upkeep.failures.isEmpty)
                #expect(Set(try await state.channels().map(\.driveID)) == ["", team])
                #expect(emulator.emulator.watchChannels.count == 2)

                let events = EventStream(store: state, logger: Logger(label: "test"))
                _ = try await driveSync.applyChanges(account: "emu", driveID: team, state: state, events: events)
                let file = try await client.createFile(File(name: "team.txt", parents: [team]))
                let applied = try await driveSync.applyChanges(
                    account: "emu",
                    driveID: team,
                    state: state,
                    events: events
                )
                #expect(applied.changed == 1)
                #expect(try await state.fileRecord(account: "emu", fileID: try #require(file.id))?.driveID == team)
                #expect(try await state.changesRead(account: "emu", driveID: team) != nil)
            }
        }
    }
}
