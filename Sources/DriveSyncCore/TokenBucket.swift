/// A token bucket in pure arithmetic: `rate` tokens a second, at most `capacity` stored. Time is a
/// `Duration` since any fixed origin, so callers bring their own clock.
public struct TokenBucket: Sendable, Equatable {
    public private(set) var rate: Double
    public private(set) var capacity: Double
    private var tokens: Double
    private var updated: Duration?

    public init(rate: Double, capacity: Double) {
        precondition(rate > 0 && capacity >= 1, "a token bucket needs a positive rate and room for one token")
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
    }

    /// Takes one token if there is one; otherwise returns how long until one will be there.
    /// A caller that waits must call again: another caller may take the token first.
    public mutating func take(now: Duration) -> Duration? {
        refill(now: now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return .seconds((1 - tokens) / rate)
    }

    /// Changes the rate (the adaptive write limit), keeping the tokens earned so far, and optionally
    /// the burst (never below one token).
    public mutating func setRate(_ newRate: Double, capacity newCapacity: Double? = nil, now: Duration) {
        refill(now: now)
        rate = max(newRate, 0.001)
        if let newCapacity {
            capacity = max(newCapacity, 1)
            tokens = min(tokens, capacity)
        }
    }

    /// Empties the bucket: after a rate-limit answer nobody should fire at once.
    public mutating func drain(now: Duration) {
        refill(now: now)
        tokens = min(tokens, 0)
    }

    private mutating func refill(now: Duration) {
        if let updated, now > updated {
            let elapsed =
                Double((now - updated).components.seconds) + Double((now - updated).components.attoseconds) / 1e18
            tokens = min(capacity, tokens + elapsed * rate)
        }
        if updated.map({ now > $0 }) ?? true { updated = now }
    }
}

/// Additive increase, multiplicative decrease of a rate: halve on a rate-limit answer, creep back up by
/// `increase` per success, within `minimum...maximum`. The write pacer's control law.
public struct AdaptiveRate: Sendable, Equatable {
    public private(set) var current: Double
    public var minimum: Double
    public var maximum: Double
    public var increase: Double
    public var decreaseFactor: Double

    public init(initial: Double, minimum: Double, maximum: Double, increase: Double, decreaseFactor: Double = 0.5) {
        self.current = min(max(initial, minimum), maximum)
        self.minimum = minimum
        self.maximum = maximum
        self.increase = increase
        self.decreaseFactor = decreaseFactor
    }

    public mutating func recordSuccess() { current = min(maximum, current + increase) }

    /// Cuts the rate below what the server was seen to accept (`measured`, per second), when that is
    /// known: halving an unpaced client's nominal rate would take dozens of refusals to mean anything.
    public mutating func recordRateLimited(measured: Double? = nil) {
        current = max(minimum, min(current, measured ?? current) * decreaseFactor)
    }
}

/// Events per second in the last whole second (or in the current one, once it has seen more), counted
/// in two one-second windows: what the write pacer measures the server accepting.
public struct RateMeter: Sendable, Equatable {
    private var window: Int64 = 0
    private var current = 0
    private var previous = 0

    public init() {}

    public mutating func record(now: Duration) {
        roll(to: now)
        current += 1
    }

    public mutating func rate(now: Duration) -> Double {
        roll(to: now)
        return Double(max(previous, current))
    }

    private mutating func roll(to now: Duration) {
        let index = now.components.seconds
        guard index != window else { return }
        previous = index == window + 1 ? current : 0
        current = 0
        window = index
    }
}
