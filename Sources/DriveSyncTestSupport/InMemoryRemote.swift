public import DriveSyncCore
import Foundation
public import NIOCore
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A remote held in memory, for engine tests (rclone's mockfs).
public final class InMemoryRemote: Remote {
    private struct Node {
        var entry: RemoteEntry
        var content: [UInt8]
    }

    private let nodes = Mutex<[RemotePath: Node]>([:])
    private let clockStart = Date(timeIntervalSince1970: 1_700_000_000)

    public init() {
        nodes.withLock {
            $0[.root] = Node(entry: RemoteEntry(path: .root, kind: .folder, modified: clockStart), content: [])
        }
    }

    public var capabilities: RemoteCapabilities {
        RemoteCapabilities(
            isCaseInsensitive: false,
            allowsDuplicateNames: false,
            modificationTimePrecision: .milliseconds(1),
            providesMD5: false,
            hasTrash: false
        )
    }

    public func entry(at path: RemotePath) async throws -> RemoteEntry? { nodes.withLock { $0[path]?.entry } }

    public func list(_ folder: RemotePath) async throws -> [RemoteEntry] {
        try nodes.withLock { nodes in
            guard let node = nodes[folder] else { throw RemoteError(.notFound, folder) }
            guard node.entry.isFolder else { throw RemoteError(.notAFolder, folder) }
            return nodes.values.filter { $0.entry.path.parent == folder }.map(\.entry).sorted { $0.path < $1.path }
        }
    }

    public func makeFolder(_ path: RemotePath) async throws -> RemoteEntry {
        try nodes.withLock { nodes in
            var current = RemotePath.root
            for component in path.components {
                current = try current.appending(component)
                if let existing = nodes[current] {
                    guard existing.entry.isFolder else {
                        throw RemoteError(.notAFolder, current, "a file is in the way")
                    }
                } else {
                    nodes[current] = Node(
                        entry: RemoteEntry(path: current, kind: .folder, modified: clockStart),
                        content: []
                    )
                }
            }
            return nodes[path]!.entry
        }
    }

    public func upload(from localFile: String, to path: RemotePath, modified: Date) async throws -> RemoteEntry {
        guard let parent = path.parent else { throw RemoteError(.isAFolder, path) }
        _ = try await makeFolder(parent)
        let content = Array(try Data(contentsOf: URL(fileURLWithPath: localFile)))
        return try nodes.withLock { nodes in
            if nodes[path]?.entry.isFolder == true { throw RemoteError(.isAFolder, path) }
            let millis = DriveTimestamp.milliseconds(of: modified)
            let entry = RemoteEntry(
                path: path,
                kind: .file,
                size: Int64(content.count),
                modified: Date(timeIntervalSince1970: Double(millis) / 1000)
            )
            nodes[path] = Node(entry: entry, content: content)
            return entry
        }
    }

    public func read<Result: Sendable>(
        _ path: RemotePath,
        range: Range<Int64>?,
        _ body: (any AsyncSequence<ByteBuffer, any Error>) async throws -> Result
    ) async throws -> Result {
        let content = try nodes.withLock { nodes -> [UInt8] in
            guard let node = nodes[path] else { throw RemoteError(.notFound, path) }
            guard !node.entry.isFolder else { throw RemoteError(.isAFolder, path) }
            return node.content
        }
        let bounds = range.map { Int($0.lowerBound)..<min(Int($0.upperBound), content.count) } ?? 0..<content.count
        let stream = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
            continuation.yield(ByteBuffer(bytes: content[bounds]))
            continuation.finish()
        }
        return try await body(stream)
    }

    public func move(_ path: RemotePath, to destination: RemotePath) async throws -> RemoteEntry {
        try nodes.withLock { nodes in
            guard nodes[path] != nil else { throw RemoteError(.notFound, path) }
            guard nodes[destination] == nil else { throw RemoteError(.alreadyExists, destination) }
            guard let parent = destination.parent, nodes[parent]?.entry.isFolder == true else {
                throw RemoteError(.notFound, destination.parent ?? .root, "the destination folder does not exist")
            }
            for key in Array(nodes.keys) where path.contains(key) {
                var node = nodes.removeValue(forKey: key)!
                let moved = try RemotePath(
                    (destination.components + key.components.dropFirst(path.components.count)).joined(separator: "/")
                )
                node.entry.path = moved
                nodes[moved] = node
            }
            return nodes[destination]!.entry
        }
    }

    public func remove(_ path: RemotePath, toTrash: Bool) async throws {
        try nodes.withLock { nodes in
            guard !path.isRoot else { throw RemoteError(.permissionDenied, path, "the root cannot be removed") }
            guard nodes[path] != nil else { throw RemoteError(.notFound, path) }
            for key in Array(nodes.keys) where path.contains(key) { nodes[key] = nil }
        }
    }
}
