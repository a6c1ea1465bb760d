import Crypto
import DriveSyncCore
import NIOCore
import _NIOFileSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the emulator knows about one stored content blob.
struct BlobInfo: Sendable, Equatable {
    var blobId: String
    var size: Int64
    var md5: String
}

/// The MD5 of content, computed while the bytes stream past. Drive's SHA-1 and SHA-256 are computed only
/// when a response asks for them (`BlobStore.shaDigests`): few clients do, and hashing every upload three
/// ways made hashing most of the emulator's time on large uploads.
struct ContentHasher: Sendable {
    private var md5 = Insecure.MD5()
    private(set) var count: Int64 = 0

    mutating func update(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { md5.update(bufferPointer: $0) }
        count += Int64(buffer.readableBytes)
    }

    func finalize(blobId: String) -> BlobInfo {
        BlobInfo(blobId: blobId, size: count, md5: Hex.lowercase(md5.finalize()))
    }
}

/// A blob's SHA-1 and SHA-256, as Drive reports them.
struct SHADigests: Sendable, Equatable {
    var sha1: String
    var sha256: String
}

/// File content on disk. Every transfer streams through fixed-size chunks, so memory does not grow with
/// the size of a file.
final class BlobStore: Sendable {
    let root: String
    private let removeOnDeinit: Bool
    static let chunkLength = ByteCount.kibibytes(256)

    /// - Parameters:
    ///   - root: folder holding `blobs/` and `uploads/`.
    ///   - temporary: remove the folder when the store goes away (the in-memory mode).
    init(root: String, temporary: Bool) throws {
        self.root = root
        self.removeOnDeinit = temporary
        for folder in ["blobs", "uploads"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
        }
    }

    deinit {
        if removeOnDeinit { try? FileManager.default.removeItem(atPath: root) }
    }

    func blobPath(_ blobId: String) -> String { "\(root)/blobs/\(blobId)" }
    func uploadPath(_ sessionId: String) -> String { "\(root)/uploads/\(sessionId)" }

    static func newIdentifier() -> String {
        UUID().uuidString.lowercased().replacing("-", with: "")
    }

    /// Streams a body into a new blob, hashing as it goes. A partial blob is removed if the body fails.
    func store(_ body: some AsyncSequence<ByteBuffer, any Error>) async throws -> BlobInfo {
        let blobId = Self.newIdentifier()
        let path = blobPath(blobId)
        do {
            let hasher = try await FileSystem.shared.withFileHandle(
                forWritingAt: FilePath(path),
                options: .newFile(replaceExisting: true)
            ) { handle in
                var hasher = ContentHasher()
                for try await buffer in body {
                    try await handle.write(contentsOf: buffer.readableBytesView, toAbsoluteOffset: hasher.count)
                    hasher.update(buffer)
                }
                return hasher
            }
            return hasher.finalize(blobId: blobId)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    func store(bytes: ByteBuffer) async throws -> BlobInfo {
        try await store(SingleBufferSequence(buffer: bytes))
    }

    /// Copies a blob (for `files.copy`); a hard link where possible since blobs are never modified.
    func duplicate(_ blobId: String) throws -> String {
        let newID = Self.newIdentifier()
        do {
            try FileManager.default.linkItem(atPath: blobPath(blobId), toPath: blobPath(newID))
        } catch {
            try FileManager.default.copyItem(atPath: blobPath(blobId), toPath: blobPath(newID))
        }
        return newID
    }

    func remove(_ blobId: String) {
        try? FileManager.default.removeItem(atPath: blobPath(blobId))
    }

    /// Streams `range` of a blob to `consume`, one chunk at a time.
    func read(
        _ blobId: String,
        range: Range<Int64>,
        into consume: (ByteBuffer) async throws -> Void
    ) async throws {
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(blobPath(blobId))) { handle in
            for try await chunk in handle.readChunks(in: range, chunkLength: Self.chunkLength) {
                try await consume(chunk)
            }
        }
    }

    /// Reads a small blob whole (Workspace documents for export).
    func readAll(_ blobId: String, limit: Int) async throws -> ByteBuffer {
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(blobPath(blobId))) { handle in
            try await handle.readToEnd(maximumSizeAllowed: .bytes(Int64(limit)))
        }
    }

    /// Reads a blob once, hashing each buffer with SHA-1 and SHA-256.
    func shaDigests(_ blobId: String) async throws -> SHADigests {
        var sha1 = Insecure.SHA1()
        var sha256 = SHA256()
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(blobPath(blobId))) { handle in
            for try await chunk in handle.readChunks(chunkLength: Self.chunkLength) {
                chunk.withUnsafeReadableBytes { bytes in
                    sha1.update(bufferPointer: bytes)
                    sha256.update(bufferPointer: bytes)
                }
            }
        }
        return SHADigests(sha1: Hex.lowercase(sha1.finalize()), sha256: Hex.lowercase(sha256.finalize()))
    }

    // MARK: Resumable sessions

    /// Opens a resumable session's partial file once for a whole chunk request; `body` gets a function
    /// that writes a buffer at an absolute offset.
    func withUploadFile<Result>(
        _ sessionId: String,
        _ body: (_ write: (ByteBuffer, Int64) async throws -> Void) async throws -> Result
    ) async throws -> Result {
        try await FileSystem.shared.withFileHandle(
            forWritingAt: FilePath(uploadPath(sessionId)),
            options: .modifyFile(createIfNecessary: true)
        ) { handle in
            try await body { buffer, offset in
                _ = try await handle.write(contentsOf: buffer.readableBytesView, toAbsoluteOffset: offset)
            }
        }
    }

    /// Hashes the first `length` bytes of a partial upload: recovers a session's hash state after a restart.
    func hashUpload(_ sessionId: String, length: Int64) async throws -> ContentHasher {
        var hasher = ContentHasher()
        guard length > 0 else { return hasher }
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(uploadPath(sessionId))) { handle in
            for try await chunk in handle.readChunks(in: 0..<length, chunkLength: Self.chunkLength) {
                hasher.update(chunk)
            }
        }
        return hasher
    }

    /// Turns a completed partial upload into a blob.
    func promoteUpload(_ sessionId: String) throws -> String {
        let blobId = Self.newIdentifier()
        let source = uploadPath(sessionId)
        if !FileManager.default.fileExists(atPath: source) {
            _ = FileManager.default.createFile(atPath: source, contents: nil)
        }
        try FileManager.default.moveItem(atPath: source, toPath: blobPath(blobId))
        return blobId
    }

    func removeUpload(_ sessionId: String) {
        try? FileManager.default.removeItem(atPath: uploadPath(sessionId))
    }
}

/// An async sequence of one buffer.
struct SingleBufferSequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffer: ByteBuffer

    struct AsyncIterator: AsyncIteratorProtocol {
        var buffer: ByteBuffer?
        mutating func next() async throws -> ByteBuffer? {
            defer { buffer = nil }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: buffer) }
}
