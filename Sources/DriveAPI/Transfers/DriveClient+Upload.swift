import CoreMetrics
import Crypto
import DriveSyncCore
import Logging
public import NIOCore
import NIOHTTP1
import _NIOFileSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension DriveClient {
    /// Uploads a local file: one multipart request up to `multipartCutoff`, a resumable session in
    /// `chunkSize` chunks above it. Creates a file from `metadata`, or replaces `fileId`'s content.
    ///
    /// Memory is one chunk whatever the file size. Each chunk is retried on its own: after a 5xx or a
    /// dropped connection the committed range is asked for and the upload continues from there; an expired
    /// session starts over. With a session store, a killed process continues from the last confirmed chunk.
    /// The MD5 is computed while reading and checked against Drive's.
    public func uploadFile(
        at path: String,
        metadata: File,
        replacing fileId: String? = nil,
        options: UploadOptions = .init()
    ) async throws -> File {
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            let info = try await handle.info()
            let modified =
                Int64(info.lastDataModificationTime.seconds) * 1000 + Int64(info.lastDataModificationTime.nanoseconds)
                / 1_000_000
            if info.size <= configuration.multipartCutoff {
                let content = try await handle.readToEnd(maximumSizeAllowed: .bytes(info.size + 1))
                return try await upload(content, metadata: metadata, replacing: fileId, options: options)
            }
            return try await resumableUpload(
                size: info.size,
                modified: modified,
                metadata: metadata,
                replacing: fileId,
                options: options
            ) { offset, length in
                try await handle.readChunk(fromAbsoluteOffset: offset, length: .bytes(Int64(length)))
            }
        }
    }

    /// Uploads `size` bytes as they arrive from `body` (an HTTP request body, say): in memory up to
    /// `multipartCutoff`, else one chunk at a time into a resumable session. A chunk is resent from memory
    /// after a failure; a session that expires cannot be replayed from a stream and fails the upload.
    /// A body shorter than `size` fails without creating the file.
    public func upload<Body: AsyncSequence<ByteBuffer, any Error>>(
        streaming body: Body,
        size: Int64,
        metadata: File,
        replacing fileId: String? = nil,
        options: UploadOptions = .init()
    ) async throws -> File {
        var window = StreamWindow(body.makeAsyncIterator(), method: fileId == nil ? "files.create" : "files.update")
        if size <= configuration.multipartCutoff {
            let content = try await window.read(0, Int(size))
            return try await upload(content, metadata: metadata, replacing: fileId, options: options)
        }
        return try await resumableUpload(
            size: size,
            modified: 0,
            metadata: metadata,
            replacing: fileId,
            options: options
        ) { offset, length in try await window.read(offset, length) }
    }

    /// Uploads bytes held in memory in one multipart request (retried as a whole: the body is replayable).
    public func upload(
        _ content: ByteBuffer,
        metadata: File,
        replacing fileId: String? = nil,
        options: UploadOptions = .init()
    ) async throws -> File {
        let boundary = "drivesync_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        var body = ByteBuffer()
        body.writeString("--\(boundary)\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n")
        body.writeImmutableBuffer(try json(metadata))
        body.writeString(
            "\r\n--\(boundary)\r\nContent-Type: \(options.contentType ?? metadata.mimeType ?? "application/octet-stream")\r\n\r\n"
        )
        body.writeImmutableBuffer(content)
        body.writeString("\r\n--\(boundary)--\r\n")
        let name: DriveMethod = fileId == nil ? "files.create" : "files.update"
        let answer = try await perform(
            DriveRequest(
                method: name,
                verb: fileId == nil ? .POST : .PATCH,
                endpoint: uploadEndpoint(fileId: fileId),
                query: uploadQuery(type: "multipart", options: options),
                headers: ["Content-Type": "multipart/related; boundary=\(boundary)"],
                body: body,
                kind: .write
            )
        )
        metrics.uploadedBytes.increment(by: Int64(content.readableBytes))
        let file = try decode(File.self, from: answer, method: name)
        var hasher = Insecure.MD5()
        content.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        try Self.verify(md5: hasher, against: file, method: name)
        return file
    }

    private func uploadEndpoint(fileId: String?) -> DriveRequest.Endpoint {
        .upload("/upload/drive/v3/files" + (fileId.map { "/\(pathEscaped($0))" } ?? ""))
    }

    private func uploadQuery(type: String, options: UploadOptions) -> [(String, String?)] {
        [
            ("uploadType", type), ("fields", options.fields.description), ("supportsAllDrives", "true"),
            ("keepRevisionForever", options.keepRevisionForever ? "true" : nil),
        ]
    }

    static func verify(md5 hasher: Insecure.MD5, against file: File, method: DriveMethod) throws {
        guard let remote = file.md5Checksum else { return }
        let local = Hex.lowercase(hasher.finalize())
        guard local == remote else {
            throw DriveAPIError(
                code: .checksumMismatch,
                message: "uploaded MD5 \(local) but Drive stored \(remote)",
                method: method
            )
        }
    }

    /// The resumable protocol (`ResumableUploadStateMachine`), reading the source through
    /// `read(offset, length)` one chunk at a time. The MD5 covers exactly the bytes Drive confirmed.
    func resumableUpload(
        size: Int64,
        modified: Int64,
        metadata: File,
        replacing fileId: String?,
        options: UploadOptions,
        read: (Int64, Int) async throws -> ByteBuffer
    ) async throws -> File {
        let name: DriveMethod = fileId == nil ? "files.create" : "files.update"
        let store = options.sessionKey.flatMap { key in options.sessionStore.map { (store: $0, key: key) } }
        // Resume a session saved for the same source.
        var saved: ResumableSession?
        if let store, let found = try await store.store.session(for: store.key), found.size == size,
            found.sourceModified == modified
        {
            saved = found
        }
        var machine = ResumableUploadStateMachine(size: size, chunkSize: configuration.chunkSize)
        var action: ResumableUploadStateMachine.Action<File> = machine.start(savedSession: saved?.uri)
        var retry = RetryStage(client: self, method: name)
        var hasher = Insecure.MD5()
        var hashed: Int64 = 0
        /// Brings the hash up to `offset`, reading what it has not seen (a resumed session's prefix).
        func hash(upTo offset: Int64) async throws {
            if offset < hashed {
                hasher = Insecure.MD5()
                hashed = 0
            }
            while hashed < offset {
                let buffer = try await read(hashed, Int(min(Int64(configuration.chunkSize), offset - hashed)))
                buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                hashed += Int64(buffer.readableBytes)
            }
        }
        /// Expired sessions are forgotten; a session Drive answered for is kept for another process.
        func remember(_ uri: String?, confirmed: Int64) async throws {
            guard let store else { return }
            if let uri {
                let session = ResumableSession(
                    uri: uri,
                    confirmedOffset: confirmed,
                    size: size,
                    sourceModified: modified
                )
                try await store.store.save(session, for: store.key)
            } else {
                try await store.store.removeSession(for: store.key)
            }
        }
        while true {
            switch action {
            case .initiate:
                let uri = try await initiateSession(
                    metadata: metadata,
                    fileId: fileId,
                    size: size,
                    options: options,
                    name: name
                )
                try await remember(uri, confirmed: 0)
                action = machine.initiated(session: uri)
            case .queryCommitted(let uri):
                do {
                    action = machine.answered(try await sessionStatus(uri, size: size, name: name))
                } catch let error as DriveAPIError where error.status == 404 || error.status == 410 {
                    try await remember(nil, confirmed: 0)
                    logger.info("resumable session expired; starting over", metadata: ["drive.method": "\(name)"])
                    action = machine.expired()
                    if case .fail = action { throw error }
                } catch let error as DriveAPIError {
                    guard try await retry.backOff(after: error) else { throw error }
                }
            case .send(let uri, let offset, let length):
                try Task.checkCancellation()
                try await hash(upTo: offset)
                let chunk = try await read(offset, length)
                guard chunk.readableBytes == length else {
                    throw DriveAPIError(
                        code: .invalidRequest,
                        message: "the source file changed size during upload",
                        method: name
                    )
                }
                // Hashed while it travels, so the next chunk does not wait for it; taken once Drive holds it all.
                let hashedBefore = hasher
                async let hashedThroughChunk = Self.md5(hashedBefore, updatedWith: chunk)
                let answer: ResumableUploadStateMachine.Answer<File>
                do {
                    answer = try await sendChunk(chunk, at: offset, size: size, session: uri, name: name)
                } catch let error as DriveAPIError where error.status == 404 || error.status == 410 {
                    try await remember(nil, confirmed: 0)
                    logger.info("resumable session expired; starting over", metadata: ["drive.method": "\(name)"])
                    action = machine.expired()
                    if case .fail = action { throw error }
                    continue
                } catch let error as DriveAPIError {
                    guard try await retry.backOff(after: error) else { throw error }
                    action = machine.failed()
                    continue
                }
                // The chunk is in hand: what Drive confirmed of it is hashed without reading it again.
                let confirmed: Int64
                switch answer {
                case .finished: confirmed = size
                case .committed(let committed): confirmed = min(max(committed, offset), offset + Int64(length))
                }
                if confirmed == offset + Int64(length) {
                    hasher = await hashedThroughChunk
                } else if confirmed > offset {
                    chunk.getSlice(at: chunk.readerIndex, length: Int(confirmed - offset))?.withUnsafeReadableBytes {
                        hasher.update(bufferPointer: $0)
                    }
                }
                if confirmed > offset {
                    hashed = confirmed
                    metrics.uploadedBytes.increment(by: confirmed - offset)
                    retry.reset()
                }
                if case .committed(let committed) = answer { try await remember(uri, confirmed: committed) }
                action = machine.answered(answer)
            case .finish(let file):
                try await hash(upTo: size)
                try await remember(nil, confirmed: size)
                try Self.verify(md5: hasher, against: file, method: name)
                return file
            case .fail(let failure):
                throw DriveAPIError(code: .invalidResponse, message: Self.describe(failure), method: name)
            }
        }
    }

    private static func md5(_ hasher: Insecure.MD5, updatedWith chunk: ByteBuffer) -> Insecure.MD5 {
        var hasher = hasher
        chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        return hasher
    }

    private static func describe(_ failure: ResumableUploadStateMachine.Failure) -> String {
        switch failure {
        case .expiredTooOften: "the upload session kept expiring"
        case .committedOutOfRange(let committed, let from, let to):
            "Drive confirmed \(committed) bytes, outside the range sent (\(from)..<\(to))"
        case .completeButUnfinished: "Drive holds every byte but did not finish the file"
        }
    }

    /// Starts a session: the metadata now, the bytes later at the returned URI.
    private func initiateSession(
        metadata: File,
        fileId: String?,
        size: Int64,
        options: UploadOptions,
        name: DriveMethod
    ) async throws -> String {
        var headers: HTTPHeaders = DriveRequest.jsonHeaders
        headers.add(name: "X-Upload-Content-Length", value: String(size))
        if let type = options.contentType ?? metadata.mimeType {
            headers.add(name: "X-Upload-Content-Type", value: type)
        }
        let answer = try await perform(
            DriveRequest(
                method: name,
                verb: fileId == nil ? .POST : .PATCH,
                endpoint: uploadEndpoint(fileId: fileId),
                query: uploadQuery(type: "resumable", options: options),
                headers: headers,
                body: try json(metadata),
                kind: .write
            )
        )
        guard let location = answer.headers.first(name: "Location") else {
            throw DriveAPIError(
                code: .invalidResponse,
                status: answer.status,
                message: "no session URI in Location",
                method: name
            )
        }
        return location
    }

    /// Sends one chunk. A 308 without `Range` means nothing is stored yet.
    private func sendChunk(
        _ chunk: ByteBuffer,
        at offset: Int64,
        size: Int64,
        session: String,
        name: DriveMethod
    ) async throws -> ResumableUploadStateMachine.Answer<File> {
        var headers: HTTPHeaders = ["Content-Type": "application/octet-stream"]
        let range = chunk.readableBytes == 0 ? "*" : "\(offset)-\(offset + Int64(chunk.readableBytes) - 1)"
        headers.add(name: "Content-Range", value: "bytes \(range)/\(size)")
        // A deadline sized to the chunk: 1 MiB/s at the slowest, plus slack.
        let timeout = Duration.seconds(30 + chunk.readableBytes / (1 << 20))
        return try await sessionRequest(session, headers: headers, body: chunk, name: name, timeout: timeout)
    }

    /// Asks Drive how much of a session it holds (`bytes */SIZE`).
    private func sessionStatus(
        _ session: String,
        size: Int64,
        name: DriveMethod
    ) async throws -> ResumableUploadStateMachine.Answer<File> {
        try await sessionRequest(
            session,
            headers: ["Content-Range": "bytes */\(size)"],
            body: nil,
            name: name,
            timeout: nil
        )
    }

    /// A `PUT` on a session URI. The upload loop retries it (asking for the committed range first), so
    /// the pipeline sends it once; a 308 is an answer, never a redirect.
    private func sessionRequest(
        _ uri: String,
        headers: HTTPHeaders,
        body: ByteBuffer?,
        name: DriveMethod,
        timeout: Duration?
    ) async throws -> ResumableUploadStateMachine.Answer<File> {
        var request = DriveRequest(
            method: name,
            verb: .PUT,
            endpoint: .absolute(uri),
            headers: headers,
            body: body,
            kind: .read
        )
        request.accepted = [200, 201, 308]
        request.timeout = timeout
        request.retries = .byCaller
        let answer = try await perform(request)
        guard answer.status == 308 else { return .finished(try decode(File.self, from: answer, method: name)) }
        guard let range = answer.headers.first(name: "Range") else { return .committed(0) }
        guard let last = range.split(separator: "-").last.flatMap({ Int64($0) }) else {
            throw DriveAPIError(code: .invalidResponse, status: 308, message: "unreadable Range \(range)", method: name)
        }
        return .committed(last + 1)
    }
}

/// A forward-only view of a stream for the resumable protocol: holds the bytes from the last read on,
/// so a chunk can be sent again (or from where Drive's committed range ends), and never more.
struct StreamWindow<Iterator: AsyncIteratorProtocol<ByteBuffer, any Error>> {
    private var iterator: Iterator
    private var held = ByteBuffer()
    /// The stream offset of `held`'s first byte.
    private var start: Int64 = 0
    private let method: DriveMethod

    init(_ iterator: Iterator, method: DriveMethod) {
        self.iterator = iterator
        self.method = method
    }

    /// `length` bytes from `offset`, which may not go back before the previous read's.
    mutating func read(_ offset: Int64, _ length: Int) async throws -> ByteBuffer {
        guard offset >= start else {
            throw DriveAPIError(
                code: .invalidRequest,
                message: "the upload had to start over, and a stream cannot be read twice; send it again",
                method: method
            )
        }
        while start + Int64(held.readableBytes) < offset + Int64(length) {
            guard var next = try await iterator.next() else {
                throw DriveAPIError(
                    code: .invalidRequest,
                    message: "the content ended after \(start + Int64(held.readableBytes)) bytes, short of its size",
                    method: method
                )
            }
            held.writeBuffer(&next)
        }
        held.moveReaderIndex(forwardBy: Int(offset - start))
        held.discardReadBytes()
        start = offset
        return held.getSlice(at: held.readerIndex, length: length) ?? ByteBuffer()
    }
}
