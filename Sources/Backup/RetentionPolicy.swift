public import Foundation

/// Which backup versions to keep, calendar-based like restic's `forget`: the last N, and the newest
/// version of each of the last H hours, D days, W weeks, M months and Y years. Pure.
public struct RetentionPolicy: Sendable, Hashable {
    public var last: Int
    public var hourly: Int
    public var daily: Int
    public var weekly: Int
    public var monthly: Int
    public var yearly: Int

    public init(last: Int = 0, hourly: Int = 0, daily: Int = 0, weekly: Int = 0, monthly: Int = 0, yearly: Int = 0) {
        self.last = last
        self.hourly = hourly
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
        self.yearly = yearly
    }

    public var keepsNothingExplicitly: Bool { [last, hourly, daily, weekly, monthly, yearly].allSatisfy { $0 == 0 } }

    /// The decision for each version: kept with the rules that keep it, or removed.
    public struct Decision: Sendable, Hashable {
        public var version: Date
        public var reasons: [String]
        public var keep: Bool { !reasons.isEmpty }
    }

    /// Decides over `versions` (any order), in UTC calendar buckets. The newest version is always kept.
    public func apply(to versions: [Date], calendar: Calendar = Self.utc) -> [Decision] {
        let newestFirst = versions.sorted(by: >)
        var reasons = Array(repeating: [String](), count: newestFirst.count)
        if let _ = newestFirst.first { reasons[0].append("newest") }
        for index in newestFirst.indices.prefix(last) { reasons[index].append("last \(last)") }
        let buckets: [(String, Int, Set<Calendar.Component>)] = [
            ("hourly", hourly, [.year, .month, .day, .hour]),
            ("daily", daily, [.year, .month, .day]),
            ("weekly", weekly, [.yearForWeekOfYear, .weekOfYear]),
            ("monthly", monthly, [.year, .month]),
            ("yearly", yearly, [.year]),
        ]
        for (name, count, components) in buckets where count > 0 {
            var seen: Set<DateComponents> = []
            for (index, version) in newestFirst.enumerated() {
                // The newest version in each bucket stands for it, until `count` buckets are kept.
                guard seen.count < count || seen.contains(calendar.dateComponents(components, from: version)) else {
                    break
                }
                if seen.insert(calendar.dateComponents(components, from: version)).inserted {
                    reasons[index].append("\(name) \(count)")
                }
            }
        }
        return zip(newestFirst, reasons).map { Decision(version: $0, reasons: $1) }
    }

    public static let utc: Calendar = {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
