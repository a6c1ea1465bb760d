import Crypto
import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import ServiceState
import Testing

/// `POST /drive/webhook`: only a notification carrying its channel's token queues work, and a burst of
/// them queues one run per account.
struct WebhookTests {
    @Test func onlyTheChannelsTokenQueuesItsAccountsChangesOnce() async throws {
        // A delay longer than the test: every notification after the first finds its run still queued.
        try await ServiceHarness.run(extraConfiguration: { _ in "[service]\nnotification_delay = 600" }) { service in
            let database = try await DriveSync(home: service.home).openServiceDatabase()
            defer { Task { await database.close() } }
            let token = "channel-secret"
            let hash = Hex.lowercase(SHA256.hash(data: Data(token.utf8)))
            try await database.state.saveChannel(
                StoredChannel(
                    id: "channel-1",
                    account: "emu",
                    resourceID: "resource-1",
                    tokenHash: hash,
                    address: "https://drive.example.com/drive/webhook",
                    expiration: Date().addingTimeInterval(86_400),
                    created: Date()
                )
            )
            func notify(_ channel: String, token: String?, state: String, number: Int) async throws -> Int {
                var headers: HTTPFields = [:]
                headers[HTTPField.Name("X-Goog-Channel-ID")!] = channel
                if let token { headers[HTTPField.Name("X-Goog-Channel-Token")!] = token }
                headers[HTTPField.Name("X-Goog-Resource-State")!] = state
                headers[HTTPField.Name("X-Goog-Message-Number")!] = "\(number)"
                return Int(
                    try await service.send(.post, "/drive/webhook", headers: headers, authorized: false).status.code
                )
            }
            func applyRuns() async throws -> Int {
                try await database.jobs.store.list(JobFilter(kinds: [DriveSync.applyChangesKind])).count
            }

            #expect(try await notify("channel-2", token: token, state: "change", number: 1) == 404)
            #expect(try await notify("channel-1", token: "guess", state: "change", number: 1) == 401)
            #expect(try await notify("channel-1", token: nil, state: "change", number: 1) == 401)
            let bare = try await service.send(.post, "/drive/webhook", authorized: false)
            #expect(bare.status == .badRequest)
            #expect(try await notify("channel-1", token: token, state: "sync", number: 1) == 200)
            #expect(try await applyRuns() == 0, "neither forged nor sync messages queue anything")

            for number in [2, 3, 5, 3] + Array(6...50) {
                #expect(try await notify("channel-1", token: token, state: "change", number: number) == 200)
            }
            let runs = try await applyRuns()
            #expect(runs == 1, "the burst shares one run")
            let channel = try #require(try await database.state.channel("channel-1"))
            #expect(channel.lastMessage == 50 && channel.gaps == 1 && channel.repeats == 1)
        }
    }
}
