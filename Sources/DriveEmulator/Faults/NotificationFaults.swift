import DriveSyncCore
import Synchronization

/// Seeded faults for push notifications, the way Google's delivery misbehaves: a fraction dropped,
/// sent twice, late, or after the one that followed them. Rates are 0 to 1, each drawn per notification.
public struct NotificationFaults: Sendable, Codable, Equatable {
    public var drop: Double
    public var duplicate: Double
    public var delay: Double
    /// How late a delayed notification arrives.
    public var delayMilliseconds: Int
    /// Sent after the notification that follows it.
    public var reorder: Double
    public var seed: UInt64

    public init(
        drop: Double = 0,
        duplicate: Double = 0,
        delay: Double = 0,
        delayMilliseconds: Int = 1000,
        reorder: Double = 0,
        seed: UInt64 = 0
    ) {
        self.drop = drop
        self.duplicate = duplicate
        self.delay = delay
        self.delayMilliseconds = delayMilliseconds
        self.reorder = reorder
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case drop, duplicate, delay, reorder, seed
        case delayMilliseconds = "delay_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            drop: try container.decodeIfPresent(Double.self, forKey: .drop) ?? 0,
            duplicate: try container.decodeIfPresent(Double.self, forKey: .duplicate) ?? 0,
            delay: try container.decodeIfPresent(Double.self, forKey: .delay) ?? 0,
            delayMilliseconds: try container.decodeIfPresent(Int.self, forKey: .delayMilliseconds) ?? 1000,
            reorder: try container.decodeIfPresent(Double.self, forKey: .reorder) ?? 0,
            seed: try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
        )
    }
}

/// What becomes of one notification.
enum NotificationFate: Equatable {
    case deliver
    case drop
    case duplicate
    case delay(milliseconds: Int)
    case reorder
}

/// The notification faults in force, and the addresses that are not delivered to for a while.
final class NotificationFaultState: Sendable {
    private struct State {
        var faults: NotificationFaults?
        var generator = SplitMix64(seed: 0)
        /// Address → the emulator time (milliseconds) delivery to it resumes.
        var outages: [String: Int64] = [:]
    }

    private let state = Mutex(State())

    func set(_ faults: NotificationFaults?) {
        state.withLock {
            $0.faults = faults
            $0.generator = SplitMix64(seed: faults?.seed ?? 0)
        }
    }

    var faults: NotificationFaults? { state.withLock { $0.faults } }

    func stopDelivering(to address: String, until milliseconds: Int64) {
        state.withLock { $0.outages[address] = milliseconds }
    }

    /// The fate of the next notification to `address` at emulator time `now`.
    func fate(address: String, now: Int64) -> NotificationFate {
        state.withLock { state in
            if let until = state.outages[address] {
                if now < until { return .drop }
                state.outages[address] = nil
            }
            guard let faults = state.faults else { return .deliver }
            // One draw per notification, split over the fates, so each rate holds on its own.
            let draw = Double(state.generator.next() >> 11) / Double(1 << 53)
            var bound = faults.drop
            if draw < bound { return .drop }
            bound += faults.duplicate
            if draw < bound { return .duplicate }
            bound += faults.delay
            if draw < bound { return .delay(milliseconds: faults.delayMilliseconds) }
            bound += faults.reorder
            if draw < bound { return .reorder }
            return .deliver
        }
    }
}
