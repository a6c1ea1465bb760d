import Foundation
import Metrics
import ServiceState

/// One Drive push notification, as its `X-Goog-*` headers carry it.
public struct DriveNotification: Sendable, Hashable {
    public var channelID: String
    public var token: String?
    /// `sync` first, then `change` for a changes channel (`add`, `update`, `remove`, `trash`, `untrash` for
    /// a file's).
    public var resourceState: String
    public var messageNumber: Int64?

    public init(channelID: String, token: String?, resourceState: String, messageNumber: Int64?) {
        self.channelID = channelID
        self.token = token
        self.resourceState = resourceState
        self.messageNumber = messageNumber
    }
}

/// What the service made of a notification.
public enum NotificationOutcome: String, Sendable, Hashable {
    /// Its account's `apply-changes` run is queued (or already was).
    case queued
    /// The channel's first message: nothing changed yet.
    case synced
    /// No channel the service holds has this id.
    case unknownChannel = "unknown_channel"
    /// The channel is known, the token is not its token.
    case forged
    /// A channel the service had stopped, yet Drive still sends: it is stopped again (and the change read).
    case orphaned
}

extension DriveJobs {
    /// Checks a notification against the channel it names (the token's hash, compared in constant time),
    /// counts its message number's gaps and repeats, and queues its account's `apply-changes`. It never
    /// calls Drive: the run does, once however many notifications come.
    public func receive(_ notification: DriveNotification) async throws -> NotificationOutcome {
        let outcome = try await verifyAndQueue(notification)
        Counter(label: "drivesync_webhook_notifications_total", dimensions: [("result", outcome.rawValue)])
            .increment()
        return outcome
    }

    private func verifyAndQueue(_ notification: DriveNotification) async throws -> NotificationOutcome {
        let state = service.state
        guard let channel = try await state.channel(notification.channelID) else { return .unknownChannel }
        let presented = Array(APIKeyStore.hash(notification.token ?? "").utf8)
        guard APIKeyStore.constantTimeEqual(Array(channel.tokenHash.utf8), presented) else { return .forged }
        if let number = notification.messageNumber {
            switch try await state.recordMessage(number, channel: channel.id) {
            case .gap(let missing):
                Counter(label: "drivesync_webhook_message_gaps_total").increment(by: Int(missing))
            case .repeated:
                Counter(label: "drivesync_webhook_message_repeats_total").increment()
            case .next, nil:
                break
            }
        }
        let orphaned = channel.state == .stopped
        if orphaned {
            _ = try await state.setChannelState(channel.id, to: .stopping)
            _ = try await service.queueChannelUpkeep()
        }
        let changed = notification.resourceState != "sync"
        if changed {
            _ = try await service.queueApplyChanges(
                account: channel.account,
                driveID: channel.driveID,
                after: driveSync.configuration.service.notificationDelay,
                debounced: true
            )
        }
        return orphaned ? .orphaned : changed ? .queued : .synced
    }
}
