import DriveSyncCore
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The three upload protocols: simple (`media`), `multipart` and `resumable`, on both upload paths.
extension DriveEmulator {
    static let resumableGranularity: Int64 = 256 * 1024

    func handleUpload(
        _ request: EmulatorRequest,
        fileId: String?,
        user: String,
        chunkFault: FaultAction?,
        connection: (any Channel)?
    ) async throws -> Response {
        if let sessionId = request.parameter("upload_id") {
            return try await receiveChunk(
                request,
                sessionId: sessionId,
                user: user,
                fault: chunkFault,
                connection: connection
            )
        }
        let contentType = request.headers[.contentType] ?? ""
        var uploadType = request.parameter("uploadType")
        if request.segments.first == "resumable" { uploadType = "resumable" }
        // aiogoogle omits uploadType and relies on the content type.
        if uploadType == nil { uploadType = contentType.lowercased().hasPrefix("multipart/") ? "multipart" : "media" }
        // PUT carries session chunks and, as older documentation has it, starts an update session; Drive
        // serves simple and multipart uploads only on POST (create) and PATCH (update).
        guard request.method != .put || uploadType == "resumable" else { throw DriveError.noSuchRoute }
        try limiter.admitUpload(user: user, now: store.clock.milliseconds)
        switch uploadType {
        case "resumable": return try await initiateResumable(request, fileId: fileId, user: user)
        case "multipart", "related":
            return try await multipartUpload(request, fileId: fileId, user: user, contentType: contentType)
        case "media": return try await simpleUpload(request, fileId: fileId, user: user, contentType: contentType)
        default: throw DriveError.invalidParameter("uploadType")
        }
    }

    /// Creates or updates the file once its content is in a blob; removes the blob if that fails.
    private func commit(
        _ request: EmulatorRequest,
        fileId: String?,
        user: String,
        input: FileMetadataInput,
        blob: BlobInfo,
        mediaType: String?,
        parameters: [String: String]? = nil
    ) throws -> FileRecord {
        let flag: (String) -> Bool = { name in
            (parameters?[name] ?? request.parameter(name))?.lowercased() == "true"
        }
        let content = IncomingContent(
            blob: blob,
            mimeType: mediaType.flatMap { $0.isEmpty ? nil : $0 },
            keepRevisionForever: flag("keepRevisionForever")
        )
        let scope = SharedDriveAccess(supportsAllDrives: flag("supportsAllDrives") || flag("supportsTeamDrives"))
        do {
            let file = try store.write { state, journal in
                if let fileId {
                    return try state.updateFile(
                        user: user,
                        id: fileId,
                        input: input,
                        addParents: Self.idList(parameters?["addParents"] ?? request.parameter("addParents")),
                        removeParents: Self.idList(parameters?["removeParents"] ?? request.parameter("removeParents")),
                        content: content,
                        scope: scope,
                        journal: &journal
                    )
                }
                return try state.createFile(user: user, input: input, content: content, scope: scope, journal: &journal)
            }
            limiter.recordUpload(user: user, bytes: blob.size, now: store.clock.milliseconds)
            return file
        } catch {
            store.blobs.remove(blob.blobId)
            throw error
        }
    }

    private func checkTarget(_ fileId: String?, user: String, request: EmulatorRequest) throws {
        guard let fileId else { return }
        let (_, role) = try store.read {
            try $0.accessibleFile(fileId, user: user, supportsAllDrives: request.supportsAllDrives)
        }
        guard role >= .writer else { throw DriveError.insufficientPermissions(fileId) }
    }

    // MARK: Simple

    private func simpleUpload(
        _ request: EmulatorRequest,
        fileId: String?,
        user: String,
        contentType: String
    ) async throws -> Response {
        try checkTarget(fileId, user: user, request: request)
        let blob = try await store.blobs.store(request.body)
        let file = try commit(
            request,
            fileId: fileId,
            user: user,
            input: FileMetadataInput(),
            blob: blob,
            mediaType: contentType
        )
        return try await fileResponse(file, request: request, user: user)
    }

    // MARK: Multipart

    private func multipartUpload(
        _ request: EmulatorRequest,
        fileId: String?,
        user: String,
        contentType: String
    ) async throws -> Response {
        guard let boundary = MultipartParser.boundary(fromContentType: contentType) else {
            throw DriveError.badRequest("Bad content type. Please use multipart.")
        }
        try checkTarget(fileId, user: user, request: request)
        var reader = MultipartUploadReader(body: request.body, boundary: boundary)
        let (metadata, mediaType) = try await reader.readMetadataAndMediaHeaders()
        let input = try FileMetadataInput(json: metadata)
        let blob = try await store.blobs.store(reader.media())
        let file = try commit(request, fileId: fileId, user: user, input: input, blob: blob, mediaType: mediaType)
        return try await fileResponse(file, request: request, user: user)
    }

    // MARK: Resumable

    private func initiateResumable(_ request: EmulatorRequest, fileId: String?, user: String) async throws -> Response {
        try checkTarget(fileId, user: user, request: request)
        let body = try await request.collectBody(limit: 1 << 20)
        let metadata = String(buffer: body)
        let json = body.readableBytes == 0 ? nil : JSONValue.parse(body.readableBytesView)
        if body.readableBytes > 0, json == nil { throw DriveError.badRequest("Invalid JSON payload received.") }
        let input = try FileMetadataInput(json: json)
        var totalSize: Int64?
        if let length = request.header("X-Upload-Content-Length") {
            guard let value = Int64(length), value >= 0 else {
                throw DriveError.invalidParameter("X-Upload-Content-Length")
            }
            totalSize = value
        }
        let sessionId = "ADPyc" + Identifier.random(count: 60)
        try store.write { state, journal in
            // Refuse early what could never fit, as Drive does.
            if let totalSize, fileId == nil {
                let parent = state.resolve(input.parents?.first ?? "root", for: user)
                try state.checkQuota(owner: state.files[parent]?.driveId == nil ? user : nil, adding: totalSize)
            }
            var parameters = request.parameters
            parameters["uploadType"] = nil
            let session = UploadSessionRecord(
                id: sessionId,
                user: user,
                targetFileId: fileId,
                metadata: metadata,
                parameters: parameters,
                contentType: request.header("X-Upload-Content-Type") ?? input.mimeType ?? "",
                totalSize: totalSize,
                createdTime: state.now
            )
            state.uploads[sessionId] = session
            journal.save(.upload, sessionId, session)
        }
        uploadHashers.withLock { $0[sessionId] = ContentHasher() }
        var location = "\(request.origin.base)/upload/drive/v3/files"
        if let fileId { location += "/\(fileId)" }
        let query =
            request.parameters.filter { $0.key != "upload_id" }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\(QueryEncoding.percentEncode($0.value))" } + ["upload_id=\(sessionId)"]
        location += "?" + query.joined(separator: "&")
        return Response(
            status: .ok,
            headers: [.location: location, HTTPField.Name("X-GUploader-UploadID")!: sessionId, .contentLength: "0"],
            body: ResponseBody()
        )
    }

    private struct ContentRange {
        var first: Int64?
        var last: Int64?
        var total: Int64?
    }

    /// `bytes a-b/total`, `bytes */total`, `bytes a-b/*`, `bytes */*`.
    private static func parseContentRange(_ header: String) -> ContentRange? {
        let text = header.trimmingSpaces
        guard text.lowercased().hasPrefix("bytes ") else { return nil }
        let parts = text.dropFirst(6).split(separator: "/", maxSplits: 1).map { $0.trimmingSpaces }
        guard parts.count == 2 else { return nil }
        var range = ContentRange()
        if parts[1] != "*" {
            guard let total = Int64(parts[1]), total >= 0 else { return nil }
            range.total = total
        }
        if parts[0] != "*" {
            let bounds = parts[0].split(separator: "-").map { Int64($0) }
            guard bounds.count == 2, let first = bounds[0], let last = bounds[1], last >= first else { return nil }
            range.first = first
            range.last = last
        }
        return range
    }

    private func receiveChunk(
        _ request: EmulatorRequest,
        sessionId: String,
        user: String,
        fault: FaultAction?,
        connection: (any Channel)?
    ) async throws -> Response {
        guard request.method == .put || request.method == .post else {
            throw DriveError.noSuchRoute
        }
        guard var session = store.read({ $0.uploads[sessionId] }), !session.expired, session.user == user else {
            throw DriveError(.notFound, reason: "notFound", message: "Upload session not found or expired.")
        }
        let bodyLength = request.headers[.contentLength].flatMap(Int64.init)
        var range = ContentRange()
        if let header = request.headers[.contentRange] {
            guard let parsed = Self.parseContentRange(header) else {
                throw DriveError.badRequest("Invalid Content-Range header.")
            }
            range = parsed
        } else if let bodyLength {
            // The whole content in one request.
            range = ContentRange(
                first: bodyLength > 0 ? 0 : nil,
                last: bodyLength > 0 ? bodyLength - 1 : nil,
                total: bodyLength
            )
        }
        if let total = range.total {
            if let known = session.totalSize, known != total {
                throw DriveError.badRequest("Content-Range total does not match the upload size.")
            }
            session.totalSize = total
        }
        if let first = range.first {
            guard first <= session.received else {
                throw DriveError.badRequest(
                    "Invalid request. According to the Content-Range header, the upload offset is \(first) byte(s), "
                        + "which exceeds already uploaded size of \(session.received) byte(s)."
                )
            }
            if let total = session.totalSize, let last = range.last, last >= total {
                throw DriveError.badRequest("Content-Range ends after the declared total.")
            }
            let isFinal = session.totalSize.map { (range.last ?? -1) + 1 == $0 } ?? false
            let length = (range.last ?? 0) - first + 1
            if !isFinal, length < Self.resumableGranularity {
                throw DriveError.badRequest(
                    "Invalid request. The number of bytes uploaded is required to be equal or greater than 262144, "
                        + "except for the final request (it's recommended to be the exact multiple of 262144). "
                        + "The received request contained \(length) bytes, which does not meet this requirement."
                )
            }
            try await appendChunk(
                request,
                session: &session,
                first: first,
                last: range.last ?? first - 1,
                isFinal: isFinal,
                fault: fault,
                connection: connection
            )
        } else {
            // A status query: drain whatever came.
            for try await _ in request.body {}
        }
        if let total = session.totalSize, session.received == total {
            return try await complete(session, request: request, user: user)
        }
        let snapshot = session
        try store.write { state, journal in
            state.uploads[sessionId] = snapshot
            journal.save(.upload, sessionId, snapshot)
        }
        var headers: HTTPFields = [.contentLength: "0"]
        if session.received > 0 { headers[.range] = "bytes=0-\(session.received - 1)" }
        return Response(status: .permanentRedirect, headers: headers, body: ResponseBody())
    }

    /// Writes a chunk at the session's offset, skipping any bytes already received; keeps only whole
    /// 256 KiB units of a non-final chunk, as Drive may.
    private func appendChunk(
        _ request: EmulatorRequest,
        session: inout UploadSessionRecord,
        first: Int64,
        last: Int64,
        isFinal: Bool,
        fault: FaultAction?,
        connection: (any Channel)?
    ) async throws {
        let sessionId = session.id
        var hasher: ContentHasher
        if let existing = uploadHashers.withLock({ $0[sessionId] }), existing.count == session.received {
            hasher = existing
        } else {
            hasher = try await store.blobs.hashUpload(sessionId, length: session.received)
        }
        let declared = last - first + 1
        var keepLimit: Int64 = isFinal ? declared : declared / Self.resumableGranularity * Self.resumableGranularity
        var failure: (any Error)?
        switch fault {
        case .partialChunk(let bytes, let status):
            keepLimit = min(keepLimit, bytes)
            failure = DriveError(
                HTTPResponse.Status(code: status ?? 503),
                reason: "backendError",
                message: "Backend Error"
            )
        case .dropRequest:
            keepLimit = min(keepLimit, declared / 2)
            failure = ConnectionDropped()
        default:
            break
        }
        var offsetInChunk: Int64 = 0
        let skip = session.received - first
        var received = session.received
        try await store.blobs.withUploadFile(sessionId) { write in
            for try await buffer in request.body {
                var buffer = buffer
                let bufferStart = offsetInChunk
                offsetInChunk += Int64(buffer.readableBytes)
                // Bytes before `skip` were already stored; bytes past `keepLimit` are not kept.
                let from = max(0, skip - bufferStart)
                let to = min(Int64(buffer.readableBytes), keepLimit - bufferStart)
                if to > from {
                    buffer.moveReaderIndex(forwardBy: Int(from))
                    let slice = buffer.readSlice(length: Int(to - from))!
                    try await write(slice, received)
                    hasher.update(slice)
                    received += Int64(slice.readableBytes)
                }
                if failure != nil, offsetInChunk >= keepLimit { break }
            }
        }
        session.received = received
        uploadHashers.withLock { $0[sessionId] = hasher }
        if let failure {
            let snapshot = session
            try store.write { state, journal in
                state.uploads[sessionId] = snapshot
                journal.save(.upload, sessionId, snapshot)
            }
            if failure is ConnectionDropped { throw await drop(connection) }
            throw failure
        }
        if offsetInChunk != declared {
            throw DriveError.badRequest("The body length does not match the Content-Range header.")
        }
    }

    private func complete(
        _ session: UploadSessionRecord,
        request: EmulatorRequest,
        user: String
    ) async throws -> Response {
        let hasher: ContentHasher
        if let existing = uploadHashers.withLock({ $0[session.id] }), existing.count == session.received {
            hasher = existing
        } else {
            hasher = try await store.blobs.hashUpload(session.id, length: session.received)
        }
        let blobId = try store.blobs.promoteUpload(session.id)
        let blob = hasher.finalize(blobId: blobId)
        let json = session.metadata.isEmpty ? nil : JSONValue.parse(Array(session.metadata.utf8))
        let input = try FileMetadataInput(json: json)
        let file = try commit(
            request,
            fileId: session.targetFileId,
            user: user,
            input: input,
            blob: blob,
            mediaType: session.contentType,
            parameters: session.parameters
        )
        try store.write { state, journal in
            state.uploads[session.id] = nil
            journal.delete(.upload, session.id)
        }
        uploadHashers.withLock { $0[session.id] = nil }
        var finalRequest = request
        finalRequest.parameters = session.parameters
        return try await fileResponse(
            file,
            request: finalRequest,
            user: user,
            status: session.targetFileId == nil ? .created : .ok
        )
    }
}

/// Reads a `multipart/related` upload: the metadata part whole, then the media part as a stream.
struct MultipartUploadReader {
    private var iterator: RequestBody.AsyncIterator
    private var parser: MultipartParser
    private var pendingEvents: [MultipartParser.Event] = []
    private var finished = false

    init(body: RequestBody, boundary: String) {
        iterator = body.makeAsyncIterator()
        parser = MultipartParser(boundary: boundary)
    }

    private mutating func nextEvent() async throws -> MultipartParser.Event? {
        while pendingEvents.isEmpty {
            if finished { return nil }
            do {
                if let buffer = try await iterator.next() {
                    pendingEvents = try parser.feed(buffer)
                } else {
                    finished = true
                    pendingEvents = try parser.finish()
                }
            } catch is MultipartParser.MalformedBody {
                throw DriveError.badRequest("Malformed multipart body.")
            }
        }
        return pendingEvents.removeFirst()
    }

    /// Returns the metadata JSON and the media part's content type.
    mutating func readMetadataAndMediaHeaders() async throws -> (JSONValue?, String?) {
        var metadata = ByteBuffer()
        var partIndex = 0
        var mediaType: String?
        while let event = try await nextEvent() {
            switch event {
            case .headers(let headers):
                if partIndex == 1 {
                    mediaType = headers["content-type"]
                    let json = metadata.readableBytes == 0 ? nil : JSONValue.parse(metadata.readableBytesView)
                    if metadata.readableBytes > 0, json == nil {
                        throw DriveError.badRequest("Invalid JSON payload received.")
                    }
                    return (json, mediaType)
                }
            case .body(let buffer):
                guard metadata.readableBytes + buffer.readableBytes <= 1 << 20 else {
                    throw DriveError.badRequest("Metadata part is too large.")
                }
                metadata.writeImmutableBuffer(buffer)
            case .partEnd:
                partIndex += 1
            case .end:
                throw DriveError.badRequest("Multipart upload needs a metadata part and a media part.")
            }
        }
        throw DriveError.badRequest("Malformed multipart body.")
    }

    /// The media part's bytes, streamed.
    consuming func media() -> MediaSequence { MediaSequence(reader: self) }

    struct MediaSequence: AsyncSequence {
        typealias Element = ByteBuffer
        var reader: MultipartUploadReader

        struct AsyncIterator: AsyncIteratorProtocol {
            var reader: MultipartUploadReader
            var done = false

            mutating func next() async throws -> ByteBuffer? {
                while !done, let event = try await reader.nextEvent() {
                    switch event {
                    case .body(let buffer): return buffer
                    case .partEnd: done = true
                    case .headers, .end: continue
                    }
                }
                done = true
                return nil
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader) }
    }
}
