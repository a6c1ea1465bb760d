/// How long a failed job waits before its next attempt: exponential backoff from `base`, capped at
/// `maximum`, with "equal jitter" (half fixed, half random) so a burst of failures does not retry in step.
public struct RetryPolicy: Sendable, Hashable {
    public var base: Duration
    public var maximum: Duration

    public init(base: Duration = .seconds(1), maximum: Duration = .seconds(3600)) {
        self.base = base
        self.maximum = maximum
    }

    /// The wait after `attempt` (1 for the first) failed; `random` is in 0..<1.
    public func delay(afterAttempt attempt: Int, random: Double) -> Duration {
        let doublings = min(max(attempt - 1, 0), 40)
        let ceiling = min(base * Double(Int64(1) << doublings), maximum)
        return ceiling / 2 + ceiling / 2 * random
    }

    public func delay(afterAttempt attempt: Int) -> Duration {
        delay(afterAttempt: attempt, random: Double.random(in: 0..<1))
    }
}
