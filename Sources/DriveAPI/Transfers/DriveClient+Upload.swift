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
        let name = fileId == nil ? "files.create" : "files.update"
        let answer = try await perform(
            Call(
                method: fileId == nil ? .POST : .PATCH,
                url: uploadURL(fileId: fileId, type: "multipart", options: options),
                headers: ["Content-Type": "multipart/related; boundary=\(boundary)"],
                body: body,
                name: name,
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

    private func uploadURL(fileId: String?, type: String, options: UploadOptions) -> String {
        url(
            "/upload/drive/v3/files" + (fileId.map { "/\(pathEscaped($0))" } ?? ""),
            base: uploadBase,
            [
                ("uploadType", type), ("fields", options.fields.description), ("supportsAllDrives", "true"),
                ("keepRevisionForever", options.keepRevisionForever ? "true" : nil),
            ]
        )
    }

    static func verify(md5 hasher: Insecure.MD5, against file: File, method: String) throws {
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

    /// The resumable protocol, reading the source through `read(offset, length)` one chunk at a time.
    func resumableUpload(
        size: Int64,
        modified: Int64,
        metadata: File,
        replacing fileId: String?,
        options: UploadOptions,
        read: (Int64, Int) async throws -> ByteBuffer
    ) async throws -> File {
        let name = fileId == nil ? "files.create" : "files.update"
        let store = options.sessionKey.flatMap { key in options.sessionStore.map { (store: $0, key: key) } }
        var restarts = 0
        restart: while true {
            // Resume a persisted session for the same source, or begin a new one.
            var session: ResumableSession
            if let store, let saved = try await store.store.session(for: store.key), saved.size == size,
                saved.sourceModified == modified,
                let committed = try await committedOffset(of: saved.uri, size: size, name: name)
            {
                switch committed {
                case .finished(let file):
                    try await store.store.removeSession(for: store.key)
                    return file
                case .committed(let offset):
                    session = saved
                    session.confirmedOffset = offset
                }
            } else {
                session = ResumableSession(
                    uri: try await initiateSession(
                        metadata: metadata,
                        fileId: fileId,
                        size: size,
                        options: options,
                        name: name
                    ),
                    confirmedOffset: 0,
                    size: size,
                    sourceModified: modified
                )
            }
            if let store { try await store.store.save(session, for: store.key) }

            // The MD5 covers exactly the confirmed bytes; a resumed session hashes its prefix once.
            var hasher = Insecure.MD5()
            var offset: Int64 = 0
            while offset < session.confirmedOffset {
                let length = Int(min(Int64(configuration.chunkSize), session.confirmedOffset - offset))
                let buffer = try await read(offset, length)
                buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                offset += Int64(length)
            }

            var attempt = 0
            while true {
                try Task.checkCancellation()
                let length = Int(min(Int64(configuration.chunkSize), size - offset))
                let chunk = try await read(offset, length)
                guard chunk.readableBytes == length else {
                    throw DriveAPIError(
                        code: .invalidRequest,
                        message: "the source file changed size during upload",
                        method: name
                    )
                }
                let outcome: ChunkOutcome
                do {
                    outcome = try await sendChunk(chunk, at: offset, size: size, session: session.uri, name: name)
                } catch let error as DriveAPIError where error.status == 404 || error.status == 410 {
                    // The session expired: start over, once or twice, from byte 0.
                    if let store { try await store.store.removeSession(for: store.key) }
                    restarts += 1
                    guard restarts <= 2 else { throw error }
                    logger.info("resumable session expired; starting over", metadata: ["drive.method": "\(name)"])
                    continue restart
                } catch let error as DriveAPIError {
                    guard
                        case .retry(let retryAfter) = RetryClassification.classify(
                            error.retryFacts,
                            replayable: true,
                            alreadyRefreshedToken: true
                        ),
                        attempt + 1 < configuration.retry.maxAttempts
                    else { throw error }
                    attempt += 1
                    metrics.retries.increment()
                    logger.info(
                        "chunk failed; asking for the committed range",
                        metadata: ["drive.method": "\(name)", "error": "\(error.shortDescription)"]
                    )
                    try await sleep(
                        configuration.retry.delay(
                            afterAttempt: attempt - 1,
                            retryAfter: retryAfter,
                            randomFraction: Double.random(in: 0..<1)
                        )
                    )
                    guard let committed = try await committedOffset(of: session.uri, size: size, name: name) else {
                        if let store { try await store.store.removeSession(for: store.key) }
                        restarts += 1
                        guard restarts <= 2 else { throw error }
                        continue restart
                    }
                    outcome = committed
                }
                switch outcome {
                case .finished(let file):
                    let remaining = chunk.getSlice(at: chunk.readerIndex, length: Int(size - offset)) ?? chunk
                    remaining.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                    metrics.uploadedBytes.increment(by: size - offset)
                    if let store { try await store.store.removeSession(for: store.key) }
                    try Self.verify(md5: hasher, against: file, method: name)
                    return file
                case .committed(let committed):
                    guard committed >= offset, committed <= offset + Int64(length) else {
                        throw DriveAPIError(
                            code: .invalidResponse,
                            message: "Drive confirmed \(committed) bytes, outside the chunk sent at \(offset)",
                            method: name
                        )
                    }
                    if committed > offset {
                        let confirmed = chunk.getSlice(at: chunk.readerIndex, length: Int(committed - offset))!
                        confirmed.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                        metrics.uploadedBytes.increment(by: committed - offset)
                        attempt = 0
                    }
                    offset = committed
                    session.confirmedOffset = committed
                    if let store { try await store.store.save(session, for: store.key) }
                }
            }
        }
    }

    enum ChunkOutcome {
        case committed(Int64)
        case finished(File)
    }

    /// Starts a session: the metadata now, the bytes later at the returned URI.
    private func initiateSession(
        metadata: File,
        fileId: String?,
        size: Int64,
        options: UploadOptions,
        name: String
    ) async throws -> String {
        var headers: HTTPHeaders = Self.jsonHeaders
        headers.add(name: "X-Upload-Content-Length", value: String(size))
        if let type = options.contentType ?? metadata.mimeType {
            headers.add(name: "X-Upload-Content-Type", value: type)
        }
        let answer = try await perform(
            Call(
                method: fileId == nil ? .POST : .PATCH,
                url: uploadURL(fileId: fileId, type: "resumable", options: options),
                headers: headers,
                body: try json(metadata),
                name: name,
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
        name: String
    ) async throws -> ChunkOutcome {
        var headers: HTTPHeaders = ["Content-Type": "application/octet-stream"]
        headers.add(name: "Content-Range", value: "bytes \(offset)-\(offset + Int64(chunk.readableBytes) - 1)/\(size)")
        // A deadline sized to the chunk: 1 MiB/s at the slowest, plus slack.
        let timeout = Duration.seconds(30 + chunk.readableBytes / (1 << 20))
        let answer = try await sendSessionRequest(
            .PUT,
            session,
            headers: headers,
            body: chunk,
            name: name,
            timeout: timeout
        )
        return try outcome(of: answer, name: name)
    }

    /// Asks Drive how much of a session it has (`bytes */SIZE`); `nil` when the session is gone.
    private func committedOffset(of session: String, size: Int64, name: String) async throws -> ChunkOutcome? {
        do {
            let answer = try await sendSessionRequest(
                .PUT,
                session,
                headers: ["Content-Range": "bytes */\(size)"],
                body: nil,
                name: name,
                timeout: nil
            )
            return try outcome(of: answer, name: name)
        } catch let error as DriveAPIError where error.status == 404 || error.status == 410 {
            return nil
        }
    }

    private func outcome(of answer: Answer, name: String) throws -> ChunkOutcome {
        if answer.status == 308 {
            guard let range = answer.headers.first(name: "Range") else { return .committed(0) }
            guard let last = range.split(separator: "-").last.flatMap({ Int64($0) }) else {
                throw DriveAPIError(
                    code: .invalidResponse,
                    status: 308,
                    message: "unreadable Range \(range)",
                    method: name
                )
            }
            return .committed(last + 1)
        }
        return .finished(try decode(File.self, from: answer, method: name))
    }

    /// A request on a session URI: not retried here (the chunk loop decides), never following 308.
    private func sendSessionRequest(
        _ method: HTTPMethod,
        _ uri: String,
        headers: HTTPHeaders,
        body: ByteBuffer?,
        name: String,
        timeout: Duration?
    ) async throws -> Answer {
        do {
            let answer = try await performOnce(
                Call(
                    method: method,
                    url: uri,
                    headers: headers,
                    body: body,
                    name: name,
                    kind: .read,
                    accepted: [200, 201, 308],
                    timeout: timeout
                )
            )
            return answer
        } catch let error as DriveAPIError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            throw DriveAPIError(code: .transport, message: "no answer", method: name, cause: error)
        }
    }
}
