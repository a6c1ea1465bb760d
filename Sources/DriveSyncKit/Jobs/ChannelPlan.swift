public import Foundation
public import ServiceState

/// What the service's push channels need next, worked out from the channels it holds, the accounts it
/// watches and the time: which channels to open (new, or renewing one about to expire), which to stop,
/// which feeds to read now, and when to look again. Pure, so every case is tested without Drive.
public struct ChannelPlan: Sendable, Hashable {
    /// An account's changes feed the service follows.
    public struct Target: Sendable, Hashable, Comparable, Codable {
        public var account: String
        /// A shared drive's id, or "" for the account's own feed.
        public var driveID: String

        public init(account: String, driveID: String = "") {
            self.account = account
            self.driveID = driveID
        }

        public static func < (lhs: Target, rhs: Target) -> Bool {
            (lhs.account, lhs.driveID) < (rhs.account, rhs.driveID)
        }
    }

    /// A channel to open for `target`; `replacing` is the channel it renews, stopped once the new one is open.
    public struct Opening: Sendable, Hashable {
        public var target: Target
        public var replacing: StoredChannel?

        public init(target: Target, replacing: StoredChannel?) {
            self.target = target
            self.replacing = replacing
        }
    }

    /// How long channels and polls last.
    public struct Timing: Sendable, Hashable {
        /// How long before its expiration a channel is renewed (at least an hour).
        public var renewalMargin: TimeInterval = 3600
        /// A feed with a channel is read anyway when it was not read for this long (a dropped notification).
        public var safetyPoll: TimeInterval = 600
        /// A feed without a channel (no `public_url`) is read this often.
        public var pollInterval: TimeInterval = 60
        /// How soon a failed `channels.stop` is tried again.
        public var stopRetry: TimeInterval = 300

        public init() {}
    }

    public var open: [Opening] = []
    /// Channels no longer wanted (their account no longer watched, or nowhere to deliver): stop them.
    public var retire: [StoredChannel] = []
    /// Channels retired before whose `channels.stop` has yet to succeed.
    public var stop: [StoredChannel] = []
    /// Rows of ended channels past their expiration: Drive sends nothing more for them.
    public var forget: [String] = []
    /// Feeds to read now: a lapsed channel's (what it missed), or one not read for too long.
    public var read: [Target] = []
    /// When to plan again.
    public var wake: Date

    /// The plan at `now` for `targets`, given `channels` (every row kept), when each feed was last read
    /// (`lastRead`) and whether notifications can reach the service at all (`canReceive`: `public_url` is set).
    public init(
        now: Date,
        targets: Set<Target>,
        channels: [StoredChannel],
        lastRead: [Target: Date],
        canReceive: Bool,
        timing: Timing = Timing()
    ) {
        var earliest = now.addingTimeInterval(max(timing.safetyPoll, timing.pollInterval))
        func wake(at date: Date) { earliest = min(earliest, max(date, now)) }
        var live: [Target: StoredChannel] = [:]
        for channel in channels {
            let target = Target(account: channel.account, driveID: channel.driveID)
            switch channel.state {
            case .open:
                guard canReceive, targets.contains(target), channel.expiration > now else {
                    if channel.expiration > now { retire.append(channel) } else { forget.append(channel.id) }
                    continue
                }
                // Two open for one feed happens only mid-renewal: keep the one that lasts longer.
                if let other = live[target], other.expiration >= channel.expiration {
                    retire.append(channel)
                } else {
                    if let other = live[target] { retire.append(other) }
                    live[target] = channel
                }
            case .stopping, .stopped:
                if channel.expiration <= now {
                    forget.append(channel.id)
                } else if channel.state == .stopping {
                    stop.append(channel)
                    wake(at: now.addingTimeInterval(timing.stopRetry))
                } else {
                    wake(at: channel.expiration)
                }
            }
        }
        for target in targets.sorted() {
            let channel = live[target]
            if canReceive {
                if let channel, channel.expiration.timeIntervalSince(now) > timing.renewalMargin {
                    wake(at: channel.expiration.addingTimeInterval(-timing.renewalMargin))
                } else {
                    open.append(Opening(target: target, replacing: channel))
                    // The open channel Drive grants lasts longer than any margin: the next plan sees it.
                    wake(at: now.addingTimeInterval(timing.stopRetry))
                }
            }
            let interval = canReceive && channel != nil ? timing.safetyPoll : timing.pollInterval
            let lapsed =
                canReceive && channel == nil
                && channels.contains {
                    $0.account == target.account && $0.driveID == target.driveID && $0.state == .open
                }
            if let read = lastRead[target], !lapsed, now.timeIntervalSince(read) < interval {
                wake(at: read.addingTimeInterval(interval))
            } else {
                self.read.append(target)
                wake(at: now.addingTimeInterval(interval))
            }
        }
        self.wake = earliest
    }
}
