import DriveSyncKit
import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import NIOCore
import Synchronization

/// `/drive/files` and `/drive/folders`: listings, metadata, content with ranges, uploads, renames and
/// moves, trash and delete, folder paths and trees.
struct FileRoutes {
    let connections: DriveConnections
    let audit: AuditLog
    let archiveFolder: RemotePath
    let streams: ActiveStreams

    /// The largest JSON body a route reads.
    static let jsonLimit = 64 * 1024

    func register(on router: RouterGroup<ServiceRequestContext>) {
        router.get("files", use: list)
        router.post("files", use: upload)
        router.get("files/:id", use: metadata)
        router.patch("files/:id", use: update)
        router.delete("files/:id", use: remove)
        router.get("files/:id/content", use: content)
        router.head("files/:id/content", use: content)
        router.post("folders", use: makeFolder)
        router.get("folders/:id/tree", use: tree)
    }

    // MARK: Reading

    @Sendable func list(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let files = try await connections.files(account: try query.account())
        let folderID: String
        if let id = query.string("folder_id") {
            folderID = try Self.driveID(id)
        } else {
            folderID = try await files.folderID(at: try Self.path(query.string("path") ?? "", allowRoot: true))
        }
        let pageSize = try query.integer("page_size", in: 1...1000) ?? 100
        let page = try await files.list(
            folderID: folderID,
            pageToken: query.string("page_token"),
            pageSize: pageSize
        )
        return try JSONAnswer.response(Listing(items: page.items, nextPageToken: page.nextPageToken))
    }

    @Sendable func metadata(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let account = try request.uri.queryParameters.account()
        let id = try Self.driveID(context.parameters.get("id"))
        let item = try await audit.recording("files.read", request, context, account: account, driveID: id) {
            try await connections.files(account: account).item(id: id)
        }
        return try JSONAnswer.response(item)
    }

    @Sendable func tree(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let files = try await connections.files(account: try request.uri.queryParameters.account())
        let items = try await files.tree(folderID: try Self.driveID(context.parameters.get("id")))
        return try JSONAnswer.response(Listing(items: items, nextPageToken: nil))
    }

    /// The content, streamed from Drive as the client reads it: one range (206), `If-Range`, an `ETag`
    /// from the MD5, documents exported with `format`. With `checksum=true` the MD5 is checked on the way
    /// and a mismatch cuts the answer short of its `Content-Length`, so the client sees it failed.
    @Sendable func content(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let account = try query.account()
        let id = try Self.driveID(context.parameters.get("id"))
        let files = try await connections.files(account: account)
        let item = try await files.item(id: id, fresh: true)
        let format = query.string("format")
        var headers: HTTPFields = [:]
        headers[.contentDisposition] = ContentDisposition.attachment(filename: item.name)
        var range: ByteRange = .whole
        var length: Int64?
        if item.kind == .file, let size = item.size {
            let etag = "\"\(item.md5 ?? item.headRevisionID ?? item.id)\""
            headers[.eTag] = etag
            headers[.acceptRanges] = "bytes"
            headers[.contentType] = item.mimeType
            if request.headers[.ifRange].map({ $0 == etag }) ?? true {
                range = ByteRange(header: request.headers[.range], size: size)
            }
            length = size
        }
        let status: HTTPResponse.Status
        switch range {
        case .several, .unsatisfiable:
            var error = ServiceError(
                .rangeNotSatisfiable,
                reason: range == .several ? "multipleRanges" : "rangeNotSatisfiable",
                message: range == .several
                    ? "ask for one range per request (bytes=START-END)"
                    : "the file has \(length ?? 0) bytes; ask for a range inside them"
            )
            error.headers[.contentRange] = "bytes */\(length ?? 0)"
            throw error
        case .partial(let bytes):
            status = .partialContent
            headers[.contentRange] = "bytes \(bytes.lowerBound)-\(bytes.upperBound - 1)/\(length ?? 0)"
            length = bytes.upperBound - bytes.lowerBound
        case .whole:
            status = .ok
        }
        let verify = try query.boolean("checksum") ?? false
        let stream = try files.content(of: item, range: range.bytes, format: format, verify: verify)
        if item.kind == .document {
            headers[.contentType] = Self.exportType(format)
        }
        if let length { headers[.contentLength] = String(length) }
        await audit.record(
            AuditEntry(
                action: request.method == .head ? "files.head" : "files.download",
                request: request,
                context: context,
                account: account,
                driveID: id,
                result: Int(status.code)
            )
        )
        guard request.method != .head else { return Response(status: status, headers: headers) }
        return Response(
            status: status,
            headers: headers,
            body: ResponseBody(contentLength: length.map(Int.init)) { [streams] writer in
                streams.opened()
                defer { streams.closed() }
                // A client that goes away ends this loop with an error, which drops the Drive stream.
                try await Self.write(stream, to: &writer)
                try await writer.finish(nil)
            }
        )
    }

    /// The network buffers (a few KiB each) gathered into writes of `batch` bytes without copying them:
    /// one write and flush per batch instead of one per buffer.
    static func write(
        _ stream: some AsyncSequence<ByteBuffer, any Error>,
        to writer: inout any ResponseBodyWriter,
        batch: Int = 1 << 19
    ) async throws {
        var pending: [ByteBuffer] = []
        var pendingBytes = 0
        for try await buffer in stream {
            pending.append(buffer)
            pendingBytes += buffer.readableBytes
            if pendingBytes >= batch {
                try await writer.write(contentsOf: pending)
                pending.removeAll(keepingCapacity: true)
                pendingBytes = 0
            }
        }
        if !pending.isEmpty { try await writer.write(contentsOf: pending) }
    }

    // MARK: Writing

    /// Streams the request body into a resumable upload: a chunk in memory at a time, MD5 checked.
    @Sendable func upload(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let account = try query.account()
        guard let pathText = query.string("path") else {
            throw ServiceError(
                .badRequest,
                reason: "required",
                message: "say where the file goes with ?path=FOLDER/NAME"
            )
        }
        let path = try Self.path(pathText, allowRoot: false)
        guard let size = request.headers[.contentLength].flatMap({ Int64($0) }), size >= 0 else {
            throw ServiceError(
                .lengthRequired,
                reason: "lengthRequired",
                message: "send the upload with a Content-Length header (curl -T FILE, or --data-binary @FILE)"
            )
        }
        let replace = try query.string("replace").map { text in
            guard let mode = DriveFiles.Replacement(rawValue: text) else {
                throw ServiceError(.badRequest, reason: "invalid", message: "replace is archive or revision")
            }
            return mode
        }
        let item = try await audit.recording(
            "files.upload",
            request,
            context,
            account: account,
            path: path.description,
            success: .created,
            found: { (item: DriveItem) in (item.id, nil) }
        ) {
            try await connections.files(account: account).upload(
                request.body,
                size: size,
                to: path,
                contentType: request.headers[.contentType],
                replace: replace,
                archiveFolder: archiveFolder
            )
        }
        return try JSONAnswer.response(item, status: .created)
    }

    struct Update: Decodable {
        var name: String?
        var folderID: String?
        var folderPath: String?

        enum CodingKeys: String, CodingKey {
            case name
            case folderID = "folder_id"
            case folderPath = "folder_path"
        }
    }

    @Sendable func update(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let account = try request.uri.queryParameters.account()
        let id = try Self.driveID(context.parameters.get("id"))
        let changes = try await JSONAnswer.decode(Update.self, from: request, limit: Self.jsonLimit)
        if let name = changes.name { _ = try Self.path(name, allowRoot: false) }
        guard changes.name != nil || changes.folderID != nil || changes.folderPath != nil else {
            throw ServiceError(.badRequest, reason: "required", message: "give name, folder_id or folder_path")
        }
        let item = try await audit.recording("files.move", request, context, account: account, driveID: id) {
            let files = try await connections.files(account: account)
            var folderID = try changes.folderID.map(Self.driveID)
            if let folderPath = changes.folderPath {
                folderID = try await files.folderID(at: try Self.path(folderPath, allowRoot: true))
            }
            return try await files.update(id: id, name: changes.name, folderID: folderID)
        }
        return try JSONAnswer.response(item)
    }

    @Sendable func remove(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let account = try query.account()
        let id = try Self.driveID(context.parameters.get("id"))
        let permanently = try query.boolean("permanent") ?? false
        let action = permanently ? "files.delete" : "files.trash"
        try await audit.recording(action, request, context, account: account, driveID: id, success: .noContent) {
            try await connections.files(account: account).remove(id: id, permanently: permanently)
        }
        return Response(status: .noContent)
    }

    struct NewFolder: Decodable {
        var path: String
    }

    @Sendable func makeFolder(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let account = try request.uri.queryParameters.account()
        let folder = try await JSONAnswer.decode(NewFolder.self, from: request, limit: Self.jsonLimit)
        let path = try Self.path(folder.path, allowRoot: false)
        let item = try await audit.recording(
            "folders.create",
            request,
            context,
            account: account,
            path: path.description,
            success: .created,
            found: { (item: DriveItem) in (item.id, nil) }
        ) {
            try await connections.files(account: account).makeFolder(path)
        }
        return try JSONAnswer.response(item, status: .created)
    }

    // MARK: Helpers

    /// A Drive ID as a route or body names it: letters, digits, `-` and `_` only.
    static func driveID(_ text: String?) throws -> String {
        guard let text, !text.isEmpty, text.count <= 256,
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw ServiceError(.badRequest, reason: "invalidID", message: "'\(text ?? "")' is not a Drive ID")
        }
        return text
    }

    /// A path below the account's root; `..`, NUL and the like are refused.
    static func path(_ text: String, allowRoot: Bool) throws -> RemotePath {
        let trimmed = text.hasPrefix("/") ? String(text.dropFirst()) : text
        let path = try RemotePath(trimmed)
        if path.isRoot, !allowRoot {
            throw ServiceError(.badRequest, reason: "invalidPath", message: "name a file or folder, not the root")
        }
        return path
    }

    static func exportType(_ format: String?) -> String {
        guard let format else { return "application/octet-stream" }
        return DriveFiles.exportMimeType(format) ?? "application/octet-stream"
    }
}

/// A page of items and the token of the next.
struct Listing: Encodable {
    var items: [DriveItem]
    var nextPageToken: String?

    enum CodingKeys: String, CodingKey {
        case items
        case nextPageToken = "next_page_token"
    }
}

extension ByteRange {
    var bytes: Range<Int64>? { if case .partial(let bytes) = self { bytes } else { nil } }
}

/// Content streams being answered now: what readiness reports, and what a test watches fall back to
/// zero after a client goes away.
final class ActiveStreams: Sendable {
    private let count = Atomic(0)
    private let gauge = Gauge(label: "drivesync_http_content_streams")

    var current: Int { count.load(ordering: .relaxed) }

    func opened() { gauge.record(count.wrappingAdd(1, ordering: .relaxed).newValue) }
    func closed() { gauge.record(count.wrappingSubtract(1, ordering: .relaxed).newValue) }
}
