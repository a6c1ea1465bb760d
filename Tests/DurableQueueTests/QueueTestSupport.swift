import DriveSyncTestSupport
import DurableQueue
import Foundation
import Logging
import SQLDatabase
import Synchronization
import Testing

/// The backends every queue test runs on.
typealias Backend = TestDatabaseBackend

extension TestDatabaseBackend {
    func location() async throws -> DatabaseLocation { try await freshLocation() }

    /// A fresh queue on the hand-moved clock `now`.
    func open(now: ManualNow = ManualNow()) async throws -> JobDatabase {
        try await JobDatabase.open(try await location(), logger: Logger(label: "queue-test"), now: { now() })
    }

    /// A fresh queue on the system clock, for workers that heartbeat and retry in real time.
    func openOnSystemClock() async throws -> JobDatabase {
        try await JobDatabase.open(try await location(), logger: Logger(label: "queue-test"))
    }
}

/// A clock the test moves by hand, so leases expire and retries come due without sleeping.
final class ManualNow: Sendable {
    private let value = Mutex(Date(timeIntervalSince1970: 1_800_000_000))

    func callAsFunction() -> Date { value.withLock { $0 } }
    func advance(_ duration: Duration) {
        value.withLock { $0 += Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
    }
}

/// A number tasks share.
final class SharedCount: Sendable {
    private let value = Mutex(0)

    var current: Int { value.withLock { $0 } }
    func increment() { value.withLock { $0 += 1 } }
}
