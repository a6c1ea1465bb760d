public import DriveSyncCore
import Foundation
import LocalFiles
public import NIOCore
import _NIOFileSystem

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A folder on this machine as a `Remote`. Paths resolve below `root` only; symbolic links are not
/// followed out of it. Files are written to a temporary name and renamed into place.
public struct LocalFolderRemote: Remote {
    public let root: String

    /// - Parameter root: the folder; created if missing.
    public init(root: String) throws {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        try FileManager.default.createDirectory(atPath: self.root, withIntermediateDirectories: true)
    }

    public var capabilities: RemoteCapabilities {
        RemoteCapabilities(
            isCaseInsensitive: false,
            allowsDuplicateNames: false,
            modificationTimePrecision: .nanoseconds(1),
            providesMD5: false,
            hasTrash: false
        )
    }

    func fullPath(_ path: RemotePath) -> String {
        path.isRoot ? root : root + "/" + path.description
    }

    /// The entry at `path`, read with a blocking `stat`: call it from the file thread pool.
    private func entryBlocking(_ path: RemotePath) -> RemoteEntry? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: fullPath(path)) else { return nil }
        let type = attributes[.type] as? FileAttributeType
        let kind: RemoteEntry.Kind
        switch type {
        case .typeDirectory: kind = .folder
        case .typeRegular: kind = .file
        default: return nil  // links, devices, sockets are not synced
        }
        return RemoteEntry(
            path: path,
            kind: kind,
            size: kind == .file ? (attributes[.size] as? NSNumber)?.int64Value ?? 0 : 0,
            modified: attributes[.modificationDate] as? Date ?? Date(timeIntervalSince1970: 0)
        )
    }

    public func entry(at path: RemotePath) async throws -> RemoteEntry? {
        try await offload { entryBlocking(path) }
    }

    public func list(_ folder: RemotePath) async throws -> [RemoteEntry] {
        try await offload {
            guard let entry = entryBlocking(folder) else { throw RemoteError(.notFound, folder) }
            guard entry.isFolder else { throw RemoteError(.notAFolder, folder) }
            let names = try FileManager.default.contentsOfDirectory(atPath: fullPath(folder))
            return try names.compactMap { name -> RemoteEntry? in
                guard (try? RemotePath.validate(name)) != nil else { return nil }
                return entryBlocking(try folder.appending(name))
            }.sorted { $0.path < $1.path }
        }
    }

    public func makeFolder(_ path: RemotePath) async throws -> RemoteEntry {
        var current = RemotePath.root
        for component in path.components {
            current = try current.appending(component)
            if let existing = try await entry(at: current) {
                guard existing.isFolder else { throw RemoteError(.notAFolder, current, "a file is in the way") }
                continue
            }
            let folder = fullPath(current)
            try await offload {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
            }
        }
        guard let entry = try await entry(at: path) else { throw RemoteError(.io, path, "the folder vanished") }
        return entry
    }

    public func upload(from localFile: String, to path: RemotePath, modified: Date) async throws -> RemoteEntry {
        guard let parent = path.parent, !path.isRoot else {
            throw RemoteError(.isAFolder, path, "cannot write the root")
        }
        _ = try await makeFolder(parent)
        if let existing = try await entry(at: path), existing.isFolder { throw RemoteError(.isAFolder, path) }
        let target = fullPath(path)
        let time = timespec(milliseconds: DriveTimestamp.milliseconds(of: modified))
        do {
            try await offload { try AtomicFile.copy(from: localFile, to: target, modified: time) }
        } catch {
            throw RemoteError(.io, path, "\(error)")
        }
        guard let entry = try await entry(at: path) else { throw RemoteError(.io, path, "the file vanished") }
        return entry
    }

    public func read<Result: Sendable>(
        _ path: RemotePath,
        range: Range<Int64>?,
        _ body: (any AsyncSequence<ByteBuffer, any Error>) async throws -> Result
    ) async throws -> Result {
        guard let entry = try await entry(at: path) else { throw RemoteError(.notFound, path) }
        guard !entry.isFolder else { throw RemoteError(.isAFolder, path) }
        return try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(fullPath(path))) { handle in
            try await body(handle.readChunks(in: range ?? 0..<entry.size, chunkLength: .kibibytes(256)))
        }
    }

    public func move(_ path: RemotePath, to destination: RemotePath) async throws -> RemoteEntry {
        guard try await entry(at: path) != nil else { throw RemoteError(.notFound, path) }
        guard try await entry(at: destination) == nil else { throw RemoteError(.alreadyExists, destination) }
        guard let parent = destination.parent, try await entry(at: parent)?.isFolder == true else {
            throw RemoteError(.notFound, destination.parent ?? .root, "the destination folder does not exist")
        }
        let (from, to) = (fullPath(path), fullPath(destination))
        try await offload { try FileManager.default.moveItem(atPath: from, toPath: to) }
        guard let moved = try await entry(at: destination) else {
            throw RemoteError(.io, destination, "the moved entry vanished")
        }
        return moved
    }

    public func remove(_ path: RemotePath, toTrash: Bool) async throws {
        guard !path.isRoot else { throw RemoteError(.permissionDenied, path, "the root cannot be removed") }
        guard try await entry(at: path) != nil else { throw RemoteError(.notFound, path) }
        let target = fullPath(path)
        try await offload { try FileManager.default.removeItem(atPath: target) }
    }
}
