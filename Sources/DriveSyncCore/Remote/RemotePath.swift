#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A path inside a remote, relative to its root: `Notes/2024/a.txt`. Each component is a real name
/// (never empty, `.` or `..`, never holding `/` or NUL), so a path can never climb out of its root.
public struct RemotePath: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let components: [String]

    public struct InvalidPath: UserFacingError, Equatable {
        public var path: String
        public var reason: String
        public var description: String { "invalid path '\(path)': \(reason)" }
    }

    /// The root of the remote.
    public static let root = RemotePath(validated: [])

    private init(validated components: [String]) { self.components = components }

    /// Parses `a/b/c` (leading, trailing and doubled slashes are ignored).
    public init(_ text: String) throws(InvalidPath) {
        var components: [String] = []
        for component in text.split(separator: "/", omittingEmptySubsequences: true) {
            try Self.validate(String(component), in: text)
            components.append(String(component))
        }
        self.components = components
    }

    /// Checks one name: what no path component may be.
    /// The path shown in the error is only built when there is one.
    public static func validate(_ name: String, in path: @autoclosure () -> String? = nil) throws(InvalidPath) {
        if name.isEmpty { throw InvalidPath(path: path() ?? name, reason: "empty name") }
        if name == "." || name == ".." { throw InvalidPath(path: path() ?? name, reason: "'\(name)' is not a name") }
        // '/' and NUL never occur inside a multi-byte UTF-8 sequence.
        var bytes = name
        if let byte = bytes.withUTF8({ $0.first { $0 == UInt8(ascii: "/") || $0 == 0 } }) {
            throw InvalidPath(
                path: path() ?? name,
                reason: byte == 0 ? "a name cannot contain NUL" : "a name cannot contain '/'"
            )
        }
    }

    /// Names are equal when their bytes are: `é` composed (NFC) and decomposed (NFD) are two files on
    /// Linux and on Drive, though Swift's `String ==` calls them equal.
    public static func == (lhs: RemotePath, rhs: RemotePath) -> Bool {
        lhs.components.count == rhs.components.count
            && zip(lhs.components, rhs.components).allSatisfy { compareNames($0, $1) == 0 }
    }

    /// Two names by their UTF-8 bytes (which order as Unicode scalars do): negative, zero or positive.
    public static func compareNames(_ lhs: String, _ rhs: String) -> Int {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in
                let common = min(left.count, right.count)
                let order = common == 0 ? 0 : Int(memcmp(left.baseAddress!, right.baseAddress!, common))
                return order != 0 ? order : left.count - right.count
            }
        }
    }

    public func hash(into hasher: inout Hasher) {
        for component in components {
            var bytes = component
            bytes.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            hasher.combine(0xFF as UInt8)  // never in UTF-8: separates components
        }
    }

    public var isRoot: Bool { components.isEmpty }
    public var name: String { components.last ?? "" }
    public var parent: RemotePath? { isRoot ? nil : RemotePath(validated: Array(components.dropLast())) }
    public var description: String { components.joined(separator: "/") }

    /// The path of a child named `name`.
    public func appending(_ name: String) throws(InvalidPath) -> RemotePath {
        try Self.validate(name, in: description + "/" + name)
        return RemotePath(validated: components + [name])
    }

    /// True for this path and everything below it.
    public func contains(_ other: RemotePath) -> Bool {
        other.components.count >= components.count
            && zip(components, other.components).allSatisfy { Self.compareNames($0, $1) == 0 }
    }

    /// Compares component by component, by Unicode scalars (UTF-8 byte order is scalar order), so a
    /// folder sorts right before its contents.
    public static func < (lhs: RemotePath, rhs: RemotePath) -> Bool { order(lhs, rhs) < 0 }

    /// The order of `<`, in one pass: negative, zero or positive.
    public static func order(_ lhs: RemotePath, _ rhs: RemotePath) -> Int {
        for (left, right) in zip(lhs.components, rhs.components) {
            let order = compareNames(left, right)
            if order != 0 { return order }
        }
        return lhs.components.count - rhs.components.count
    }
}
