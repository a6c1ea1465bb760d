import DriveSyncKit
import Foundation
import ServiceState
import Testing

struct ChannelPlanTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let work = ChannelPlan.Target(account: "work")

    func channel(
        _ id: String,
        account: String = "work",
        expiresIn seconds: TimeInterval,
        state: StoredChannel.State = .open
    ) -> StoredChannel {
        StoredChannel(
            id: id,
            account: account,
            resourceID: "r-\(id)",
            tokenHash: "h",
            address: "https://example.com/drive/webhook",
            expiration: now.addingTimeInterval(seconds),
            created: now.addingTimeInterval(-60),
            state: state
        )
    }

    func plan(
        _ channels: [StoredChannel],
        targets: Set<ChannelPlan.Target>? = nil,
        readAgo: TimeInterval? = 30,
        canReceive: Bool = true
    ) -> ChannelPlan {
        let targets = targets ?? [work]
        var lastRead: [ChannelPlan.Target: Date] = [:]
        if let readAgo { for target in targets { lastRead[target] = now.addingTimeInterval(-readAgo) } }
        return ChannelPlan(
            now: now,
            targets: targets,
            channels: channels,
            lastRead: lastRead,
            canReceive: canReceive
        )
    }

    @Test func aWatchedAccountWithoutAChannelGetsOneAndItsFeedIsReadFirst() {
        let plan = plan([], readAgo: nil)
        #expect(plan.open == [ChannelPlan.Opening(target: work, replacing: nil)])
        #expect(plan.read == [work])
        #expect(plan.retire.isEmpty && plan.stop.isEmpty && plan.forget.isEmpty)
        #expect(plan.wake <= now.addingTimeInterval(300))
    }

    @Test func aHealthyChannelWaitsForItsRenewalOrTheSafetyPoll() {
        let plan = plan([channel("a", expiresIn: 86_400)])
        #expect(plan.open.isEmpty && plan.read.isEmpty && plan.retire.isEmpty)
        #expect(plan.wake == now.addingTimeInterval(600 - 30))
        let later = self.plan([channel("a", expiresIn: 3600 + 120)])
        #expect(later.wake == now.addingTimeInterval(120))
    }

    @Test func aChannelWithinAnHourOfItsExpirationIsRenewed() {
        let old = channel("a", expiresIn: 3500)
        let plan = plan([old])
        #expect(plan.open == [ChannelPlan.Opening(target: work, replacing: old)])
        #expect(plan.retire.isEmpty)
        #expect(plan.read.isEmpty)
    }

    @Test func aLapsedChannelIsReplacedAndWhatItMissedIsRead() {
        let plan = plan([channel("a", expiresIn: -10)])
        #expect(plan.forget == ["a"])
        #expect(plan.open == [ChannelPlan.Opening(target: work, replacing: nil)])
        #expect(plan.read == [work])
    }

    @Test func channelsOfAccountsNoLongerWatchedAreStopped() {
        let gone = channel("g", account: "gone", expiresIn: 86_400)
        let plan = plan([channel("a", expiresIn: 86_400), gone])
        #expect(plan.retire == [gone])
        #expect(plan.open.isEmpty)
    }

    @Test func withoutAnAddressChannelsAreStoppedAndFeedsPolled() {
        let open = channel("a", expiresIn: 86_400)
        let plan = plan([open], readAgo: 61, canReceive: false)
        #expect(plan.retire == [open])
        #expect(plan.open.isEmpty)
        #expect(plan.read == [work])
        let polled = self.plan([], readAgo: 20, canReceive: false)
        #expect(polled.read.isEmpty)
        #expect(polled.wake == now.addingTimeInterval(40))
    }

    @Test func theSafetyPollReadsAFeedNotReadForTenMinutes() {
        let plan = plan([channel("a", expiresIn: 86_400)], readAgo: 601)
        #expect(plan.read == [work])
        #expect(plan.open.isEmpty)
    }

    @Test func endedChannelsAreStoppedUntilDriveSaysSoThenForgottenOnceExpired() {
        let stopping = channel("s", expiresIn: 86_400, state: .stopping)
        let stopped = channel("t", expiresIn: 7200, state: .stopped)
        let expired = channel("x", expiresIn: -1, state: .stopped)
        let plan = plan([channel("a", expiresIn: 86_400), stopping, stopped, expired])
        #expect(plan.stop == [stopping])
        #expect(plan.forget == ["x"])
        #expect(plan.retire.isEmpty)
        #expect(plan.wake == now.addingTimeInterval(300))
    }

    @Test func twoOpenChannelsForOneFeedKeepTheLongerLived() {
        let shorter = channel("a", expiresIn: 80_000)
        let longer = channel("b", expiresIn: 90_000)
        for channels in [[shorter, longer], [longer, shorter]] {
            let plan = plan(channels)
            #expect(plan.retire == [shorter])
            #expect(plan.open.isEmpty)
        }
    }
}
