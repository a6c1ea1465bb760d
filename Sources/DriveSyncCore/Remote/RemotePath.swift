/// A path inside a remote, relative to its root: `Notes/2024/a.txt`. Each component is a real name
/// (never empty, `.` or `..`, never holding `/` or NUL), so a path can never climb out of its root.
public struct RemotePath: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let components: [String]

    public struct InvalidPath: Error, Equatable, CustomStringConvertible {
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
    public static func validate(_ name: String, in path: String? = nil) throws(InvalidPath) {
        let shown = path ?? name
        if name.isEmpty { throw InvalidPath(path: shown, reason: "empty name") }
        if name == "." || name == ".." { throw InvalidPath(path: shown, reason: "'\(name)' is not a name") }
        // One pass over the bytes: '/' and NUL never occur inside a multi-byte UTF-8 sequence.
        for byte in name.utf8 where byte == UInt8(ascii: "/") || byte == 0 {
            throw InvalidPath(path: shown, reason: byte == 0 ? "a name cannot contain NUL" : "a name cannot contain '/'")
        }
    }

    /// Names are equal when their bytes are: `é` composed (NFC) and decomposed (NFD) are two files on
    /// Linux and on Drive, though Swift's `String ==` calls them equal.
    public static func == (lhs: RemotePath, rhs: RemotePath) -> Bool {
        lhs.components.count == rhs.components.count && zip(lhs.components, rhs.components).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
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
        other.components.count >= components.count && zip(components, other.components).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
    }

    /// Bytes that sort as paths do: the components' UTF-8 joined by NUL, which no name holds and which
    /// sorts before every other byte. Sorting many paths by these is much cheaper than by `<`.
    public var orderingKey: [UInt8] {
        var key: [UInt8] = []
        for (index, component) in components.enumerated() {
            if index > 0 { key.append(0) }
            key.append(contentsOf: component.utf8)
        }
        return key
    }

    /// Compares component by component, by Unicode scalars (UTF-8 byte order is scalar order), so a
    /// folder sorts right before its contents.
    public static func < (lhs: RemotePath, rhs: RemotePath) -> Bool {
        for (left, right) in zip(lhs.components, rhs.components) where !left.utf8.elementsEqual(right.utf8) {
            return left.utf8.lexicographicallyPrecedes(right.utf8)
        }
        return lhs.components.count < rhs.components.count
    }
}
