import DriveAPI
import DriveSyncCore
public import DurableQueue
public import Foundation
import Logging
import SQLDatabase
public import ServiceState

extension DriveSync {
    /// The job that keeps the service's push channels open and its feeds read: it opens a channel for every
    /// watched account, renews each before it expires, stops those no longer wanted, reads the feeds that
    /// were not read for too long, and queues itself for when it is next needed (one at a time, however
    /// many processes serve).
    public static let watchChangesKind = "watch-changes"

    /// Channels are asked for the longest life Drive grants (a week for the changes feed).
    static let channelLifetime: TimeInterval = 7 * 86_400

    /// What one `watch-changes` run did.
    public struct ChannelUpkeep: Sendable, Hashable, Codable {
        /// Channels opened, and stopped (renewed, or no longer wanted).
        public var opened: [String] = []
        public var stopped: [String] = []
        /// Feeds to read now (a lapsed channel, or the safety poll).
        public var read: [ChannelPlan.Target] = []
        /// What failed; tried again at the next run.
        public var failures: [String] = []
        public var wake: Date

        init(wake: Date) { self.wake = wake }
    }

    /// The accounts whose changes the service follows (`embedded` for the embedded drive).
    public func watchedAccounts() async throws -> Set<String> { Set(try await watchTargets().map(\.account)) }

    /// The feeds the service follows: those of every account configured or signed in (its own, and the
    /// shared drives in its `watch_drives`), less accounts with `watch = false`; with no account at all, the
    /// embedded drive's.
    func watchTargets() async throws -> Set<ChannelPlan.Target> {
        let names = try await accountNames()
        guard !names.isEmpty else { return [ChannelPlan.Target(account: Self.embeddedAccountName)] }
        var targets: Set<ChannelPlan.Target> = []
        for name in names {
            let account = configuration.account(named: name)
            guard account?.watch ?? true else { continue }
            targets.insert(ChannelPlan.Target(account: name))
            for drive in account?.watchDrives ?? [] {
                targets.insert(ChannelPlan.Target(account: name, driveID: drive))
            }
        }
        return targets
    }

    /// Where Drive is to deliver notifications: `public_url` + `/drive/webhook`, or `nil` when none is set
    /// (Drive could not reach the service; its feeds are polled instead).
    var webhookAddress: String? { configuration.service.publicURL.map { $0 + "/drive/webhook" } }

    var channelTiming: ChannelPlan.Timing {
        var timing = ChannelPlan.Timing()
        timing.safetyPoll = Microseconds.seconds(configuration.service.safetyPoll)
        timing.pollInterval = Microseconds.seconds(configuration.service.pollInterval)
        return timing
    }

    /// One upkeep of the channels in `state` at `now` (see `watchChangesKind`): the plan, then what it says.
    /// A failure to open or stop one channel is reported and tried again next time; it stops nothing else.
    public func upkeepChannels(state: ServiceStateStore, now: Date) async throws -> ChannelUpkeep {
        let targets = try await watchTargets()
        let channels = try await state.channels()
        var lastRead: [ChannelPlan.Target: Date] = [:]
        for target in targets {
            lastRead[target] = try await state.changesRead(account: target.account, driveID: target.driveID)
        }
        let plan = ChannelPlan(
            now: now,
            targets: targets,
            channels: channels,
            lastRead: lastRead,
            canReceive: webhookAddress != nil,
            timing: channelTiming
        )
        var upkeep = ChannelUpkeep(wake: plan.wake)
        upkeep.read = plan.read
        for id in plan.forget { _ = try await state.removeChannel(id) }
        var ending = plan.retire + plan.stop
        for opening in plan.open {
            guard let address = webhookAddress else { break }
            do {
                let channel = try await openChannel(for: opening.target, address: address, state: state, now: now)
                upkeep.opened.append(channel.id)
                upkeep.wake = min(upkeep.wake, channel.expiration.addingTimeInterval(-channelTiming.renewalMargin))
                if let replaced = opening.replacing { ending.append(replaced) }
            } catch {
                upkeep.failures.append(
                    "opening a channel for \(opening.target.account): \(OperationFailure(error).message)"
                )
            }
        }
        for channel in ending {
            do {
                try await stopChannel(channel, state: state)
                upkeep.stopped.append(channel.id)
            } catch {
                upkeep.failures.append("stopping channel \(channel.id): \(OperationFailure(error).message)")
            }
        }
        for failure in upkeep.failures { logger.warning("channel upkeep: \(failure)") }
        return upkeep
    }

    /// Opens a changes channel for `target` from its stored cursor (or the feed's start). The row is saved
    /// before Drive is asked, so a notification that beats the answer finds its channel.
    private func openChannel(
        for target: ChannelPlan.Target,
        address: String,
        state: ServiceStateStore,
        now: Date
    ) async throws -> StoredChannel {
        var generator = SystemRandomNumberGenerator()
        let token = Base64URL.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        var channel = StoredChannel(
            id: UUID().uuidString.lowercased(),
            account: target.account,
            driveID: target.driveID,
            resourceID: nil,
            tokenHash: APIKeyStore.hash(token),
            address: address,
            expiration: now.addingTimeInterval(Self.channelLifetime),
            created: now
        )
        try await state.saveChannel(channel)
        let request = Channel(
            id: channel.id,
            address: address,
            token: token,
            expiration: DriveTimestamp.milliseconds(of: channel.expiration)
        )
        do {
            let opened = try await withDrive(account: Self.driveAccount(target.account)) { connection in
                let client = connection.client
                let drive = target.driveID.isEmpty ? nil : target.driveID
                let from: String
                if let cursor = try await state.changeCursor(account: target.account, driveID: target.driveID) {
                    from = cursor
                } else {
                    from = try await client.startPageToken(driveId: drive)
                }
                return try await client.watchChanges(from: from, channel: request, driveId: drive)
            }
            channel.resourceID = opened.resourceId
            if let granted = opened.expiration {
                channel.expiration = Date(timeIntervalSince1970: Double(granted) / 1000)
            }
            try await state.saveChannel(channel)
            return channel
        } catch {
            _ = try? await state.removeChannel(channel.id)
            throw error
        }
    }

    /// Stops `channel` on Drive and keeps its row as stopped until it would have expired. A channel Drive no
    /// longer knows, or whose account is gone, counts as stopped.
    func stopChannel(_ channel: StoredChannel, state: ServiceStateStore) async throws {
        _ = try await state.setChannelState(channel.id, to: .stopping)
        if let resourceID = channel.resourceID {
            do {
                try await withDrive(account: Self.driveAccount(channel.account)) { connection in
                    try await connection.client.stopChannel(id: channel.id, resourceId: resourceID)
                }
            } catch let error as DriveAPIError where error.status == 404 {
                // Already gone on Drive's side.
            } catch let error as DriveSyncError where error.code == .unknownAccount {
                // The account was removed: nothing can stop its channel, which lapses by itself.
            }
        }
        _ = try await state.setChannelState(channel.id, to: .stopped)
    }

    /// The account to connect for a stored account name (`nil`: the embedded drive).
    static func driveAccount(_ name: String) -> String? { name == embeddedAccountName ? nil : name }

    /// The `watch-changes` handler: one upkeep, the feeds it found due queued for reading, and itself queued
    /// again for when the plan says.
    func watchChangesHandler(service: ServiceDatabase) -> JobHandler {
        { _ in
            let upkeep = try await self.upkeepChannels(state: service.state, now: Date())
            for target in upkeep.read {
                _ = try await service.queueApplyChanges(account: target.account, driveID: target.driveID, after: .zero)
            }
            _ = try await service.queueChannelUpkeep(at: upkeep.wake)
            return .completed(result: String(decoding: try JSONEncoder().encode(upkeep), as: UTF8.self))
        }
    }
}

extension ServiceDatabase {
    /// Queues a run of `apply-changes` for `account` (a stored name: `embedded` is the embedded drive), to
    /// start after `delay`; while one is queued, it is that one. `debounced`, each request moves the queued
    /// run to `delay` after it, up to two delays after the first: a storm of notifications reads the feed
    /// once per two delays (a second by default), and once soon after it ends.
    func queueApplyChanges(
        account: String,
        driveID: String = "",
        after delay: Duration,
        debounced: Bool = false
    ) async throws -> QueuedJob {
        let arguments = String(
            decoding: try JSONEncoder().encode(
                DriveSync.ApplyChangesArguments(
                    account: DriveSync.driveAccount(account),
                    drive: driveID.isEmpty ? nil : driveID
                )
            ),
            as: UTF8.self
        )
        let feed = driveID.isEmpty ? account : "\(account) drive \(driveID)"
        return try await enqueue(
            NewJob(
                kind: DriveSync.applyChangesKind,
                arguments: arguments,
                summary: "apply the changes of \(feed)",
                priority: 10,
                runAt: Date().addingTimeInterval(Microseconds.seconds(delay)),
                maxAttempts: 10,
                uniqueKey: "apply-changes:\(account)" + (driveID.isEmpty ? "" : ":\(driveID)"),
                debounce: debounced ? delay * 2 : nil
            )
        )
    }

    /// Queues the `watch-changes` upkeep to run at `date` (or sooner, when one is queued for sooner).
    func queueChannelUpkeep(at date: Date = Date()) async throws -> QueuedJob {
        try await enqueue(
            NewJob(
                kind: DriveSync.watchChangesKind,
                arguments: "{}",
                summary: "keep Drive's push channels open",
                priority: 10,
                runAt: date,
                maxAttempts: 1000,
                uniqueKey: DriveSync.watchChangesKind
            )
        )
    }

    private func enqueue(_ job: NewJob) async throws -> QueuedJob { try await enqueue([job])[0] }

    /// Queues `newJobs` and wakes this process's idle workers (other processes' wake on NOTIFY or poll).
    func enqueue(_ newJobs: [NewJob]) async throws -> [QueuedJob] {
        let queued = try await jobs.store.enqueue(newJobs)
        jobs.signal.signal()
        return queued
    }
}

extension DriveJobs {
    /// At start-up: a catch-up read of every watched feed (what changed while the service was down) and
    /// the channels' upkeep (lapsed ones replaced, due ones renewed).
    public func startWatching() async throws {
        for target in try await driveSync.watchTargets() {
            _ = try await service.queueApplyChanges(account: target.account, driveID: target.driveID, after: .zero)
        }
        _ = try await service.queueChannelUpkeep()
    }

    /// Stops the channels of `account`, before its credential goes (nothing could stop them after).
    public func stopWatching(account: String) async {
        do {
            for channel in try await service.state.channels(account: account) where channel.state != .stopped {
                try await driveSync.stopChannel(channel, state: service.state)
            }
        } catch {
            driveSync.logger.warning(
                "the channels of \(account) could not all be stopped; they lapse within a week",
                metadata: ["error": "\(OperationFailure(error).message)"]
            )
        }
    }
}
