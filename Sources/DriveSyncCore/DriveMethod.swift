/// A Drive v3 method's name as the discovery document spells it (`files.create`): one type for what
/// requests, errors, metrics, logs and the emulator's counters call a method.
public struct DriveMethod: Hashable, Sendable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }
    public init(stringLiteral name: String) { self.name = name }

    public var description: String { name }

    public static func < (lhs: DriveMethod, rhs: DriveMethod) -> Bool { lhs.name < rhs.name }
}
