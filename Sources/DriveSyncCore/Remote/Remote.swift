public import NIOCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A place files live: a local folder, Google Drive, memory. The sync engine knows only this.
///
/// Paths are relative to the remote's root and can never leave it (`RemotePath` forbids `..`).
public protocol Remote: Sendable {
    var capabilities: RemoteCapabilities { get }

    /// The entries directly inside a folder, sorted by path.
    /// - Throws: `RemoteError` `.notFound` or `.notAFolder`.
    func list(_ folder: RemotePath) async throws -> [RemoteEntry]

    /// The entry at a path, or `nil` when nothing is there.
    func entry(at path: RemotePath) async throws -> RemoteEntry?

    /// Creates a folder and any missing parents; an existing folder is returned as it is.
    func makeFolder(_ path: RemotePath) async throws -> RemoteEntry

    /// Creates or replaces a file with a local file's content and sets its modification time.
    /// A reader never sees a half-written file.
    func upload(from localFile: String, to path: RemotePath, modified: Date) async throws -> RemoteEntry

    /// The same, told what the caller's listing showed at `path`, so a remote that must otherwise look
    /// first (Drive, where names are not keys) can skip the lookup.
    func upload(
        from localFile: String,
        to path: RemotePath,
        modified: Date,
        expecting: UploadExpectation
    ) async throws -> RemoteEntry

    /// Reads a file (or `range` of it), handing the bytes to `body` as a stream that is consumed or
    /// abandoned before the call returns.
    func read<Result: Sendable>(
        _ path: RemotePath,
        range: Range<Int64>?,
        _ body: (any AsyncSequence<ByteBuffer, any Error>) async throws -> Result
    ) async throws -> Result

    /// Moves or renames an entry; the destination's parent must exist and the destination must not.
    func move(_ path: RemotePath, to destination: RemotePath) async throws -> RemoteEntry

    /// Removes an entry (a folder with its contents): to the trash when asked and the remote has one.
    func remove(_ path: RemotePath, toTrash: Bool) async throws
}

/// What a caller believes is at a path it uploads to.
public enum UploadExpectation: Sendable, Hashable {
    /// Nothing: the remote may create without looking.
    case absent
    /// Not known: the remote looks first.
    case unknown
}

extension Remote {
    /// Remotes whose paths are keys need no hint.
    public func upload(
        from localFile: String,
        to path: RemotePath,
        modified: Date,
        expecting: UploadExpectation
    ) async throws -> RemoteEntry {
        try await upload(from: localFile, to: path, modified: modified)
    }
}

/// A failed remote operation.
public struct RemoteError: UserFacingError, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// What the code means, for messages that give no more detail.
        let meaning: String
        public var description: String { name }
        public static let notFound = Code(name: "notFound", meaning: "no such file or folder")
        public static let alreadyExists = Code(name: "alreadyExists", meaning: "something already has this name")
        public static let notAFolder = Code(name: "notAFolder", meaning: "a file is where a folder should be")
        public static let isAFolder = Code(name: "isAFolder", meaning: "this is a folder, not a file")
        public static let permissionDenied = Code(name: "permissionDenied", meaning: "permission denied")
        public static let io = Code(name: "io", meaning: "input/output error")
        public static let contentMismatch = Code(name: "contentMismatch", meaning: "the content arrived damaged")

        public static func == (lhs: Code, rhs: Code) -> Bool { lhs.name == rhs.name }
        public func hash(into hasher: inout Hasher) { hasher.combine(name) }
    }

    public var code: Code
    public var path: RemotePath
    public var message: String

    public init(_ code: Code, _ path: RemotePath, _ message: String? = nil) {
        self.code = code
        self.path = path
        self.message = message ?? code.meaning
    }

    public var description: String { "\(path.isRoot ? "/" : path.description): \(message)" }
}
