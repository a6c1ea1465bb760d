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
    /// No pacing: for the embedded local drive and tests of other things.
    public static let unlimited = PacingConfiguration(
        readsPerSecond: 1e9,
        readBurst: 1e9,
        initialWritesPerSecond: 1e9,
        minimumWritesPerSecond: 1e9,
        maximumWritesPerSecond: 1e9,
        writeIncrease: 0,
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

    public init(configuration: Configuration = .drive, clock: C) {
        self.clock = clock
        self.origin = clock.now
        reads = TokenBucket(rate: configuration.readsPerSecond, capacity: configuration.readBurst)
        writes = TokenBucket(rate: configuration.initialWritesPerSecond, capacity: configuration.writeBurst)
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
        writeRate.recordSuccess()
        writes.setRate(writeRate.current, now: elapsed)
    }

    /// Slows down after a 403 rate-limit or 429 answer.
    public func recordRateLimited(_ kind: RequestKind) {
        switch kind {
        case .read:
            reads.drain(now: elapsed)
        case .write:
            writeRate.recordRateLimited()
            writes.setRate(writeRate.current, now: elapsed)
            writes.drain(now: elapsed)
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
