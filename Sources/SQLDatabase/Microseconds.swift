public import Foundation

/// Microseconds since 1970: time on disk in both backends (an integer column sorts and compares the same in
/// each, and keeps the precision leases need).
public enum Microseconds {
    public static func from(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
    public static func date(_ value: Int64) -> Date { Date(timeIntervalSince1970: Double(value) / 1_000_000) }
    public static func seconds(_ duration: Duration) -> TimeInterval { Double(from(duration)) / 1_000_000 }

    public static func from(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
    }
}
