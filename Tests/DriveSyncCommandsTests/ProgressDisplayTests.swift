import Testing

@testable import DriveSyncCommands

struct ProgressDisplayTests {
    @Test func statusLineShowsFilesBytesRateAndETA() {
        let line = ProgressDisplay.status(done: 3, of: 10, bytes: 1 << 20, of: 4 << 20, failed: 1, elapsed: .seconds(2))
        #expect(line == "files 3/10  1.0 MiB/4.0 MiB  512.0 KiB/s  ETA 0:06  1 failed")
        #expect(
            ProgressDisplay.status(done: 0, of: 2, bytes: 0, of: 0, failed: 0, elapsed: .zero)
                == "files 0/2  0 B/0 B  0 B/s"
        )
    }

    @Test func bytesAreHumanSized() {
        #expect(ProgressDisplay.bytes(999) == "999 B")
        #expect(ProgressDisplay.bytes(1536) == "1.5 KiB")
        #expect(ProgressDisplay.bytes(5 << 40) == "5.0 TiB")
    }
}
