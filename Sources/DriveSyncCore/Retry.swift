/// What to do after a failed Drive call. Pure: decided from the answer alone, so it is table-tested.
public enum RetryClassification: Equatable, Sendable {
    /// Try again after the backoff delay, or after the server's `Retry-After` when it gave one.
    case retry(after: Duration?)
    /// Get a fresh access token and try once more.
    case refreshTokenThenRetry
    /// Give up: retrying cannot help (quota, permission, not found, bad request).
    case fatal

    /// The facts about a failure that decide whether to retry it.
    public struct Failure: Sendable, Equatable {
        /// HTTP status, or `nil` when no answer came (connection refused or dropped, timeout).
        public var status: Int?
        /// Drive's `errors[0].reason`.
        public var reason: String?
        public var retryAfter: Duration?

        public init(status: Int?, reason: String? = nil, retryAfter: Duration? = nil) {
            self.status = status
            self.reason = reason
            self.retryAfter = retryAfter
        }
    }

    /// Reasons of a 403 that mean "slow down", as Google's client libraries and rclone treat them.
    public static let rateLimitReasons: Set<String> = ["rateLimitExceeded", "userRateLimitExceeded"]

    /// Classifies a failure. `replayable` is false for a request whose body cannot be sent again.
    public static func classify(
        _ failure: Failure,
        replayable: Bool,
        alreadyRefreshedToken: Bool
    ) -> RetryClassification {
        guard let status = failure.status else { return replayable ? .retry(after: nil) : .fatal }
        switch status {
        case 401:
            return alreadyRefreshedToken ? .fatal : .refreshTokenThenRetry
        case 429:
            return replayable ? .retry(after: failure.retryAfter) : .fatal
        case 403 where failure.reason.map(rateLimitReasons.contains) == true:
            return replayable ? .retry(after: failure.retryAfter) : .fatal
        case 408, 500...599:
            return replayable ? .retry(after: failure.retryAfter) : .fatal
        default:
            return .fatal
        }
    }

    /// True for answers that mean the account is sending too fast (the pacer slows down on these).
    public static func isRateLimit(_ failure: Failure) -> Bool {
        failure.status == 429 || (failure.status == 403 && failure.reason.map(rateLimitReasons.contains) == true)
    }
}

/// Truncated exponential backoff with jitter, as Google recommends: 1 s, 2 s, 4 s, ... up to a cap,
/// each plus up to `jitter` of random delay. `Retry-After` from the server wins when it is longer.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    public var jitter: Duration

    public init(
        maxAttempts: Int = 10,
        baseDelay: Duration = .seconds(1),
        maxDelay: Duration = .seconds(16),
        jitter: Duration = .seconds(1)
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
    }

    /// rclone's low-level retry count with Google's recommended backoff.
    public static let standard = RetryPolicy()
    /// No retries at all.
    public static let none = RetryPolicy(maxAttempts: 1, baseDelay: .zero, maxDelay: .zero, jitter: .zero)

    /// The wait before attempt `attempt + 1` (attempt counts from 0), given a random fraction in 0..<1.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?, randomFraction: Double) -> Duration {
        let exponent = min(max(attempt, 0), 30)
        var backoff = baseDelay * (1 << exponent)
        if backoff > maxDelay { backoff = maxDelay }
        backoff += jitter * min(max(randomFraction, 0), 1)
        if let retryAfter, retryAfter > backoff { return retryAfter }
        return backoff
    }
}
