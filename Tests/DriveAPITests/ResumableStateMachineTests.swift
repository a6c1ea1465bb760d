import Testing

@testable import DriveAPI

/// Each transition of the resumable upload protocol, without a server.
struct ResumableStateMachineTests {
    typealias Machine = ResumableUploadStateMachine
    typealias Action = Machine.Action<String>

    /// A 20-byte file in 8-byte chunks.
    func machine() -> Machine { Machine(size: 20, chunkSize: 8) }

    @Test func aNewUploadInitiatesThenSendsChunkAfterChunk() {
        var machine = machine()
        #expect(machine.start(savedSession: nil) as Action == .initiate)
        #expect(machine.initiated(session: "s") as Action == .send(session: "s", offset: 0, length: 8))
        #expect(machine.answered(.committed(8)) as Action == .send(session: "s", offset: 8, length: 8))
        #expect(machine.answered(.committed(16)) as Action == .send(session: "s", offset: 16, length: 4))
        #expect(machine.answered(.finished("file")) as Action == .finish("file"))
    }

    @Test func aSavedSessionIsAskedWhatItHolds() {
        var machine = machine()
        #expect(machine.start(savedSession: "s") as Action == .queryCommitted(session: "s"))
        #expect(machine.answered(.committed(12)) as Action == .send(session: "s", offset: 12, length: 8))
    }

    @Test func aPartialCommitResendsTheRest() {
        var machine = machine()
        _ = machine.start(savedSession: nil) as Action
        _ = machine.initiated(session: "s") as Action
        #expect(machine.answered(.committed(5)) as Action == .send(session: "s", offset: 5, length: 8))
    }

    @Test func aFailedChunkAsksForTheCommittedRangeThenResumes() {
        var machine = machine()
        _ = machine.start(savedSession: nil) as Action
        _ = machine.initiated(session: "s") as Action
        _ = machine.answered(.committed(8)) as Action
        #expect(machine.failed() as Action == .queryCommitted(session: "s"))
        #expect(machine.answered(.committed(11)) as Action == .send(session: "s", offset: 11, length: 8))
        #expect(machine.failed() as Action == .queryCommitted(session: "s"))
        #expect(
            machine.answered(.finished("file")) as Action == .finish("file"),
            "the chunk landed before its answer was lost"
        )
    }

    @Test func anExpiredSessionStartsOverALimitedNumberOfTimes() {
        var machine = machine()
        _ = machine.start(savedSession: "old") as Action
        #expect(machine.expired() as Action == .initiate)
        _ = machine.initiated(session: "s1") as Action
        #expect(machine.expired() as Action == .initiate)
        _ = machine.initiated(session: "s2") as Action
        #expect(machine.expired() as Action == .fail(.expiredTooOften))
    }

    @Test(arguments: [
        (8 as Int64, -1 as Int64),  // before the chunk
        (8, 17),  // beyond the chunk
    ])
    func aCommittedRangeOutsideTheChunkIsRefused(sentFrom: Int64, committed: Int64) {
        var machine = machine()
        _ = machine.start(savedSession: nil) as Action
        _ = machine.initiated(session: "s") as Action
        _ = machine.answered(.committed(sentFrom)) as Action
        #expect(
            machine.answered(.committed(committed)) as Action
                == .fail(.committedOutOfRange(committed: committed, sentFrom: sentFrom, sentTo: sentFrom + 8))
        )
    }

    @Test func aSizeMismatchIsRefused() {
        var machine = machine()
        _ = machine.start(savedSession: "s") as Action
        #expect(
            machine.answered(.committed(25)) as Action
                == .fail(.committedOutOfRange(committed: 25, sentFrom: 0, sentTo: 20)),
            "Drive claims more bytes than the file has"
        )
        var complete = self.machine()
        _ = complete.start(savedSession: "s") as Action
        #expect(complete.answered(.committed(20)) as Action == .fail(.completeButUnfinished))
    }

    @Test func anEmptyFileIsOneEmptyChunk() {
        var machine = Machine(size: 0, chunkSize: 8)
        _ = machine.start(savedSession: nil) as Action
        #expect(machine.initiated(session: "s") as Action == .send(session: "s", offset: 0, length: 0))
    }
}
