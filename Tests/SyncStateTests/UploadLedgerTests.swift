import SyncState
import Testing

struct UploadLedgerTests {
    static let hour: Int64 = 3_600_000

    @Test func countsTheLastDayAndSaysWhenUploadsResume() async throws {
        let ledger = try UploadLedger(path: nil, limit: 100)
        try await ledger.record(bytes: 40, at: 0)
        try await ledger.record(bytes: 50, at: 2 * Self.hour)
        #expect(try await ledger.usage(at: 3 * Self.hour) == 90)
        #expect(try await ledger.blockedUntil(at: 3 * Self.hour) == nil, "under the limit")
        try await ledger.record(bytes: 30, at: 4 * Self.hour)  // the upload that crosses the limit completes
        // 120 held: under 100 again once the first 40 age out, 24 hours after they were sent.
        #expect(try await ledger.blockedUntil(at: 5 * Self.hour) == 24 * Self.hour)
        #expect(try await ledger.usage(at: 24 * Self.hour) == 80)
        #expect(try await ledger.blockedUntil(at: 24 * Self.hour) == nil)
        #expect(try await ledger.usage(at: 29 * Self.hour) == 0, "a rolling day")
    }

    @Test func aRefusalResumesWhenTheOldestUploadAgesOut() async throws {
        let ledger = try UploadLedger(path: nil, limit: 1_000)
        #expect(try await ledger.resumeAfterRefusal(at: 5) == 5 + 24 * Self.hour, "nothing known: a day")
        try await ledger.record(bytes: 10, at: Self.hour)
        try await ledger.record(bytes: 10, at: 2 * Self.hour)
        // Drive refused below the ledger's limit (others upload too): the first bytes to age out may let one go.
        #expect(try await ledger.resumeAfterRefusal(at: 3 * Self.hour) == 25 * Self.hour)
    }
}
