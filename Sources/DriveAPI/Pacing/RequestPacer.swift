import DriveSyncCore

/// What a call spends: Drive limits writes far more tightly than reads.
public enum RequestKind: Sendable {
    case read
    case write
}

/// Rates for a `RequestPacer`.
public struct PacingConfiguration: Sendable {
    public var readsPerSecond: Double
    public var readBurst: Double
    public var initialWritesPerSecond: Double
    public var minimumWritesPerSecond: Double
    public var maximumWritesPerSecond: Double
    /// Added to the write rate after each successful write.
    public var writeIncrease: Double
    public var writeBurst: Double

    public init(
        readsPerSecond: Double = 20,
        readBurst: Double = 100,
        initialWritesPerSecond: Double = 3,
        minimumWritesPerSecond: Double = 0.2,
        maximumWritesPerSecond: Double = 10,
        writeIncrease: Double = 0.02,
        writeBurst: Double = 3
    ) {
        self.readsPerSecond = readsPerSecond
        self.readBurst = readBurst
        self.initialWritesPerSecond = initialWritesPerSecond
        self.minimumWritesPerSecond = minimumWritesPerSecond
        self.maximumWritesPerSecond = maximumWritesPerSecond
        self.writeIncrease = writeIncrease
        self.writeBurst = writeBurst
    }

    /// Drive's documented limits.
    public static let drive = PacingConfiguration()
    /// No pacing until the server refuses writes: then the rate falls below what it was seen to accept
    /// and adapts as `drive` does. For the embedded local drive, accounts with an `endpoint`, and tests.
    public static let unlimited = PacingConfiguration(
        readsPerSecond: 1e9,
        readBurst: 1e9,
        initialWritesPerSecond: 1e9,
        minimumWritesPerSecond: 0.2,
        maximumWritesPerSecond: 1e9,
        writeIncrease: 0.05,
        writeBurst: 1e9
    )
}

/// Hands out permission to call Drive, shared by every concurrent call of one account: a token bucket
/// for reads and an adaptive one for writes that starts near Drive's ~3 writes/second, halves on a
/// rate-limit answer and creeps back up on success (AIMD), so the account runs at the highest
/// sustained rate without rate-limit storms.
public actor RequestPacer<C: Clock> where C.Duration == Duration {
    public typealias Configuration = PacingConfiguration

    private let clock: C
    private let origin: C.Instant
    private var reads: TokenBucket
    private var writes: TokenBucket
    private var writeRate: AdaptiveRate
    private var acceptedWrites = RateMeter()
    private var lastDecrease: Duration?
    private let writeBurst: Double

    public init(configuration: Configuration = .drive, clock: C) {
        self.clock = clock
        self.origin = clock.now
        reads = TokenBucket(rate: configuration.readsPerSecond, capacity: configuration.readBurst)
        writes = TokenBucket(rate: configuration.initialWritesPerSecond, capacity: configuration.writeBurst)
        writeBurst = configuration.writeBurst
        writeRate = AdaptiveRate(
            initial: configuration.initialWritesPerSecond,
            minimum: configuration.minimumWritesPerSecond,
            maximum: configuration.maximumWritesPerSecond,
            increase: configuration.writeIncrease
        )
    }

    private var elapsed: Duration { origin.duration(to: clock.now) }

    /// The current sustained write rate, in writes per second.
    public var writesPerSecond: Double { writeRate.current }

    /// Waits until a call of this kind may go. Cancellation-aware.
    public func acquire(_ kind: RequestKind) async throws {
        while true {
            try Task.checkCancellation()
            let wait: Duration?
            switch kind {
            case .read: wait = reads.take(now: elapsed)
            case .write: wait = writes.take(now: elapsed)
            }
            guard let wait else { return }
            try await clock.sleep(for: wait)
        }
    }

    public func recordSuccess(_ kind: RequestKind) {
        guard kind == .write else { return }
        let now = elapsed
        acceptedWrites.record(now: now)
        writeRate.recordSuccess()
        writes.setRate(writeRate.current, now: now)
    }

    /// Slows down after a 403 rate-limit or 429 answer: at most one cut a second, since the answers to
    /// calls sent before a cut took effect say nothing new, with the burst held to a second's worth.
    public func recordRateLimited(_ kind: RequestKind) {
        let now = elapsed
        switch kind {
        case .read:
            reads.drain(now: now)
        case .write:
            if lastDecrease.map({ now - $0 >= .seconds(1) }) ?? true {
                // With nothing accepted in the last second, assume one write a second went through.
                writeRate.recordRateLimited(measured: max(acceptedWrites.rate(now: now), 1))
                writes.setRate(writeRate.current, capacity: min(writeBurst, writeRate.current), now: now)
                lastDecrease = now
            }
            writes.drain(now: now)
        }
    }
}

extension RequestPacer where C == ContinuousClock {
    public init(configuration: Configuration = .drive) {
        self.init(configuration: configuration, clock: ContinuousClock())
    }
}

/// The pacer as the client sees it, whatever its clock.
protocol Pacing: Sendable {
    func acquire(_ kind: RequestKind) async throws
    func recordSuccess(_ kind: RequestKind) async
    func recordRateLimited(_ kind: RequestKind) async
}

extension RequestPacer: Pacing {}
