import Synchronization

/// Drive's per-user limits: a rolling query window, a token bucket for writes, and a rolling 24-hour
/// upload ledger. Times are milliseconds from the emulator's clock.
final class UsageLimiter: Sendable {
    private struct UserUsage {
        var queryTimes: [Int64] = []
        var writeTokens: Double = 0
        var writeRefilled: Int64 = 0
        var uploads: [(time: Int64, bytes: Int64)] = []
    }

    private struct State {
        var limits: EmulatorConfiguration.Limits
        var users: [String: UserUsage] = [:]
    }

    private let state: Mutex<State>

    init(limits: EmulatorConfiguration.Limits) {
        state = Mutex(State(limits: limits))
    }

    func setLimits(_ limits: EmulatorConfiguration.Limits) {
        state.withLock {
            $0.limits = limits
            $0.users.removeAll()
        }
    }

    /// Admits one request, or says how Drive would refuse it.
    func admit(user: String, isWrite: Bool, now: Int64) throws(DriveError) {
        try state.withLock { state throws(DriveError) in
            var usage = state.users[user] ?? UserUsage()
            defer { state.users[user] = usage }
            if let perMinute = state.limits.queriesPerMinute {
                usage.queryTimes.removeAll { $0 <= now - 60_000 }
                if usage.queryTimes.count >= perMinute {
                    let wait = (usage.queryTimes.first ?? now) + 60_000 - now
                    throw .rateLimitExceeded(retryAfterSeconds: max(1, Int((wait + 999) / 1000)))
                }
                usage.queryTimes.append(now)
            }
            if isWrite, let rate = state.limits.writesPerSecond {
                let burst = Double(max(1, state.limits.writeBurst))
                if usage.writeRefilled == 0 {
                    usage.writeTokens = burst
                } else {
                    usage.writeTokens = min(burst, usage.writeTokens + Double(now - usage.writeRefilled) / 1000 * rate)
                }
                usage.writeRefilled = now
                guard usage.writeTokens >= 1 else {
                    throw .userRateLimitExceeded(
                        message: "User Rate Limit Exceeded. Rate of requests for user exceed configured project quota. "
                            + "You may consider re-evaluating expected per-user traffic to the API and adjust project quota limits accordingly."
                    )
                }
                usage.writeTokens -= 1
            }
        }
    }

    /// Refuses a new upload once the user's 24-hour byte cap is reached (the upload that crosses it completes).
    func admitUpload(user: String, now: Int64) throws(DriveError) {
        try state.withLock { state throws(DriveError) in
            guard let cap = state.limits.dailyUploadBytes else { return }
            var usage = state.users[user] ?? UserUsage()
            usage.uploads.removeAll { $0.time <= now - 86_400_000 }
            state.users[user] = usage
            if usage.uploads.reduce(0, { $0 + $1.bytes }) >= cap {
                throw .userRateLimitExceeded(message: "User rate limit exceeded.")
            }
        }
    }

    func recordUpload(user: String, bytes: Int64, now: Int64) {
        state.withLock { state in
            guard state.limits.dailyUploadBytes != nil else { return }
            state.users[user, default: UserUsage()].uploads.append((now, bytes))
        }
    }
}
