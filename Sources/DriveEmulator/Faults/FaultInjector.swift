import DriveSyncCore
import Synchronization

/// What an injected fault does to a matching request.
public enum FaultAction: Sendable, Codable, Equatable {
    /// Answer with this status and Drive `reason`, optionally with `Retry-After` or as Google's HTML page.
    case status(code: Int, reason: String?, message: String?, retryAfter: Int?, html: Bool?)
    /// Read about half of the request body (a resumable chunk keeps it), then close the connection.
    case dropRequest
    /// Send about half of the response body, then close the connection.
    case dropResponse
    /// Wait this long before handling the request.
    case latency(milliseconds: Int)
    /// For a resumable chunk: keep this many of its bytes, then answer `status` (503 by default).
    case partialChunk(persistBytes: Int64, status: Int?)
}

/// Fails the next `count` requests matching `method` (a Drive method such as `files.create`, or an HTTP
/// verb such as `PUT`) and `path` (a substring of the request path).
public struct FaultRule: Sendable, Codable, Equatable {
    public var method: String?
    public var path: String?
    public var count: Int
    public var action: FaultAction

    public init(method: String? = nil, path: String? = nil, count: Int = 1, action: FaultAction) {
        self.method = method
        self.path = path
        self.count = count
        self.action = action
    }

    func matches(method driveMethod: DriveMethod, httpMethod: String, path requestPath: String) -> Bool {
        if let method, method != driveMethod.name, method.uppercased() != httpMethod { return false }
        if let path, !requestPath.contains(path) { return false }
        return true
    }
}

/// Random failures at a fixed rate, reproducible from the seed.
public struct RandomFaults: Sendable, Codable, Equatable {
    public var rate: Double
    public var seed: UInt64
    public var status: Int
    public var reason: String
    /// When set, each fault is drawn from these instead of `status` (a mix of 5xx, 429 and drops).
    public var actions: [FaultAction]?

    public init(
        rate: Double,
        seed: UInt64,
        status: Int = 503,
        reason: String = "backendError",
        actions: [FaultAction]? = nil
    ) {
        self.rate = rate
        self.seed = seed
        self.status = status
        self.reason = reason
        self.actions = actions
    }

    /// Server errors, rate limits of both kinds, and connections dropped either way.
    public static func mixed(rate: Double, seed: UInt64) -> RandomFaults {
        RandomFaults(
            rate: rate,
            seed: seed,
            actions: [
                .status(code: 503, reason: "backendError", message: nil, retryAfter: nil, html: nil),
                .status(code: 500, reason: "internalError", message: nil, retryAfter: nil, html: nil),
                .status(code: 429, reason: "rateLimitExceeded", message: nil, retryAfter: nil, html: nil),
                .status(code: 403, reason: "userRateLimitExceeded", message: nil, retryAfter: nil, html: nil),
                .dropRequest,
                .dropResponse,
            ]
        )
    }
}

/// Seeded, deterministic fault injection, from code or the admin endpoint. Also counts calls by method.
public final class FaultInjector: Sendable {
    private struct State {
        var rules: [FaultRule] = []
        var random: RandomFaults?
        var generator = SplitMix64(seed: 0)
        var counts: [String: Int] = [:]
        var rateLimitRefusals = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Adds a rule; rules are consulted in the order they were added.
    public func add(_ rule: FaultRule) {
        state.withLock { $0.rules.append(rule) }
    }

    /// Fails each request with probability `rate`, drawn from a generator seeded with `seed`.
    public func setRandomFailures(_ random: RandomFaults?) {
        state.withLock {
            $0.random = random
            $0.generator = SplitMix64(seed: random?.seed ?? 0)
        }
    }

    public func removeAll() {
        state.withLock {
            $0.rules.removeAll()
            $0.random = nil
        }
    }

    public var rules: [FaultRule] { state.withLock { $0.rules } }

    /// Calls received, by Drive method (`files.list`, `files.create`, ...).
    public var callCounts: [String: Int] { state.withLock { $0.counts } }

    /// Calls refused for Drive's per-user rate limits (`--limits drive`), whoever sent them.
    public var rateLimitRefusals: Int { state.withLock { $0.rateLimitRefusals } }

    func countRateLimitRefusal() { state.withLock { $0.rateLimitRefusals += 1 } }

    public func resetCallCounts() {
        state.withLock {
            $0.counts.removeAll()
            $0.rateLimitRefusals = 0
        }
    }

    /// Counts the call and returns the fault to apply, if any; consumes one use of the matching rule.
    func decide(method: DriveMethod, httpMethod: String, path: String) -> FaultAction? {
        state.withLock { state in
            state.counts[method.name, default: 0] += 1
            if let index = state.rules.firstIndex(where: {
                $0.matches(method: method, httpMethod: httpMethod, path: path)
            }) {
                let action = state.rules[index].action
                state.rules[index].count -= 1
                if state.rules[index].count <= 0 { state.rules.remove(at: index) }
                return action
            }
            if let random = state.random {
                let draw = Double(state.generator.next() >> 11) / Double(1 << 53)
                if draw < random.rate {
                    if let actions = random.actions, !actions.isEmpty {
                        return actions[Int(state.generator.next() % UInt64(actions.count))]
                    }
                    return .status(code: random.status, reason: random.reason, message: nil, retryAfter: nil, html: nil)
                }
            }
            return nil
        }
    }
}
