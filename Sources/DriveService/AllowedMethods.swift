import HTTPTypes
import Synchronization

/// The methods each route pattern answers, so a known path asked with another method gets 405 with
/// `Allow` instead of 404. Filled once the routes are registered. Matching is pure: `{name}` stands
/// for one path segment.
final class AllowedMethods: Sendable {
    private let patterns = Mutex<[(segments: [Substring], method: HTTPRequest.Method)]>([])

    func register(_ routes: [(path: String, method: HTTPRequest.Method)]) {
        patterns.withLock { patterns in
            patterns = routes.map { (Self.segments($0.path), $0.method) }
        }
    }

    /// The methods some route answers at `path`, sorted; empty for a path no route has.
    func methods(for path: String) -> [String] {
        let asked = Self.segments(path)
        let found = patterns.withLock { patterns in
            patterns.filter { Self.matches($0.segments, asked) }.map(\.method.rawValue)
        }
        return Set(found).sorted()
    }

    static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        pattern.count == path.count
            && zip(pattern, path).allSatisfy { expected, given in
                (expected.hasPrefix("{") && expected.hasSuffix("}")) || expected.hasPrefix(":") || expected == given
            }
    }
}
