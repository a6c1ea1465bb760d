import DriveSyncCore
import HTTPTypes
import Hummingbird
import NIOCore

extension DriveEmulator {
    func listFiles(_ request: EmulatorRequest, user: String) async throws -> Response {
        var scope = ListingSearch(
            driveId: request.parameter("driveId") ?? request.parameter("teamDriveId"),
            includeItemsFromAllDrives: request.includeItemsFromAllDrives,
            supportsAllDrives: request.supportsAllDrives
        )
        if let corpora = request.parameter("corpora") ?? request.parameter("corpus") {
            guard let parsed = ListingSearch.Corpora(rawValue: corpora) else {
                throw DriveError.invalidParameter("corpora")
            }
            scope.corpora = parsed
        } else if scope.driveId != nil {
            scope.corpora = .drive
        }
        if scope.corpora == .drive || scope.corpora == .allDrives {
            guard scope.includeItemsFromAllDrives, scope.supportsAllDrives else {
                throw DriveError.badRequest(
                    "The includeItemsFromAllDrives parameter must be set to true when corpora is set to drive or allDrives."
                )
            }
        }
        if scope.corpora == .drive {
            guard let driveId = scope.driveId else { throw DriveError.requiredParameter("driveId") }
            guard store.read({ $0.driveRole(of: user, driveId: driveId) }) != nil else {
                throw DriveError.notFound("Shared drive not found: \(driveId)", location: "driveId")
            }
        }
        if let spaces = request.parameter("spaces") {
            scope.spaces = Set(spaces.split(separator: ",").map { $0.trimmingSpaces })
            guard !scope.spaces.isEmpty, scope.spaces.isSubset(of: ["drive", "appDataFolder"]) else {
                throw DriveError.invalidParameter("spaces")
            }
        }
        let query: DriveQuery?
        if let q = request.parameter("q"), !q.trimmingSpaces.isEmpty {
            do { query = try DriveQuery.parse(q) } catch { throw DriveError.invalidParameter("q") }
        } else {
            query = nil
        }
        let orderBy = try request.parameter("orderBy").map(SortKey.parse) ?? []
        let size = try pageSize(request, default: 100, maximum: 1000)
        let offset = try pageOffset(request)
        let mask = try DriveResponse.fieldMask(
            request,
            schema: "FileList",
            defaultFields: "kind,incompleteSearch,nextPageToken,files(kind,id,name,mimeType)"
        )
        let (found, more) = try store.read { state in
            let matches = try state.search(user: user, query: query, scope: scope, orderBy: orderBy)
            let page = Array(matches.dropFirst(offset).prefix(size))
            return (page, offset + page.count < matches.count)
        }
        let selection = mask.child("files")
        let page = try await withDigests(found, selecting: selection)
        let rendered: JSONValue = store.read { state in
            var object = JSONObjectBuilder()
            object.add("kind", "drive#fileList")
            if more { object.add("nextPageToken", Self.pageToken(offset: offset + page.count)) }
            object.add("incompleteSearch", false)
            object.add(
                "files",
                JSONValue.array(page.map { state.render($0, for: user, origin: request.origin, selecting: selection) })
            )
            return object.value
        }
        return DriveResponse.json(mask.apply(to: rendered), pretty: request.pretty)
    }

    /// `POST /drive/v3/files`: a metadata-only create (folders, shortcuts, empty files, Workspace files).
    func createFile(_ request: EmulatorRequest, user: String) async throws -> Response {
        let input = try FileMetadataInput(json: try await request.jsonBody())
        let file = try store.write { state, journal in
            try state.createFile(user: user, input: input, content: nil, scope: request.driveScope, journal: &journal)
        }
        return try await fileResponse(file, request: request, user: user)
    }

    func generateIds(_ request: EmulatorRequest, user: String) throws -> Response {
        let count =
            try request.parameter("count").map { text throws(DriveError) in
                guard let value = Int(text), (1...1000).contains(value) else { throw .invalidParameter("count") }
                return value
            } ?? 10
        let space = request.parameter("space") ?? "drive"
        guard space == "drive" || space == "appDataFolder" else { throw DriveError.invalidParameter("space") }
        if let type = request.parameter("type"), type != "files", type != "shortcuts" {
            throw DriveError.invalidParameter("type")
        }
        let ids = try store.write { state, journal in
            (0..<count).map { _ in
                let id = Identifier.fileId()
                state.issuedIds.insert(id)
                journal.save(.issuedId, id, id)
                return id
            }
        }
        var object = JSONObjectBuilder()
        object.add("kind", "drive#generatedIds")
        object.add("space", space)
        object.add("ids", JSONValue.array(ids.map(JSONValue.string)))
        return try DriveResponse.json(object.value, for: request, schema: "GeneratedIds", defaultFields: nil)
    }

    func emptyTrash(_ request: EmulatorRequest, user: String) throws -> Response {
        let driveId = request.parameter("driveId")
        try store.write { state, journal in
            if let driveId, state.driveRole(of: user, driveId: driveId) == nil {
                throw DriveError.notFound("Shared drive not found: \(driveId)", location: "driveId")
            }
            state.emptyTrash(user: user, driveId: driveId, journal: &journal)
        }
        return DriveResponse.empty()
    }

    func getFile(_ request: EmulatorRequest, id: String, user: String) async throws -> Response {
        let (file, role) = try store.read {
            try $0.accessibleFile(id, user: user, supportsAllDrives: request.supportsAllDrives)
        }
        if request.parameter("alt") == "media" {
            guard !file.isWorkspaceDocument, !file.isFolder, !file.isShortcut else {
                throw DriveError.fileNotDownloadable
            }
            guard file.canDownload(as: role) else { throw DriveError.cannotDownload }
            return try media(blobId: file.blobId ?? "", size: file.size ?? 0, mimeType: file.mimeType, request: request)
        }
        return try await fileResponse(file, request: request, user: user)
    }

    /// Streams content, honouring `Range` with 206 and `Content-Range` as Drive does.
    func media(blobId: String, size: Int64, mimeType: String, request: EmulatorRequest) throws -> Response {
        var headers: HTTPFields = [
            .contentType: mimeType,
            .contentDisposition: "attachment",
            .cacheControl: "private, max-age=0, must-revalidate",
            .acceptRanges: "bytes",
        ]
        var status = HTTPResponse.Status.ok
        var range: Range<Int64> = 0..<size
        if let header = request.headers[.range] {
            guard let requested = Self.parseRange(header, size: size) else {
                headers[.contentRange] = "bytes */\(size)"
                throw {
                    var error = DriveError(
                        .rangeNotSatisfiable,
                        reason: "requestedRangeNotSatisfiable",
                        message: "Request range not satisfiable"
                    )
                    error.extraHeaders = headers
                    return error
                }()
            }
            range = requested
            status = .partialContent
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(size)"
        }
        headers[.contentLength] = String(range.count)
        let blobs = store.blobs
        let bodyRange = range
        let body = ResponseBody(contentLength: Int(bodyRange.count)) { writer in
            if !bodyRange.isEmpty, !blobId.isEmpty {
                try await blobs.read(blobId, range: bodyRange) { try await writer.write($0) }
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// `bytes=a-b`, `bytes=a-`, `bytes=-n`; an end past the file is clamped. `nil` when unsatisfiable.
    static func parseRange(_ header: String, size: Int64) -> Range<Int64>? {
        let trimmed = header.trimmingSpaces
        guard trimmed.lowercased().hasPrefix("bytes=") else { return nil }
        let spec = trimmed.dropFirst(6).split(separator: ",").first.map { $0.trimmingSpaces } ?? ""
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard let suffix = Int64(parts[1]), suffix > 0, size > 0 else { return nil }
            return max(0, size - suffix)..<size
        }
        guard let start = Int64(parts[0]), start < size else { return nil }
        let end = parts[1].isEmpty ? size - 1 : min(Int64(parts[1]) ?? -1, size - 1)
        guard end >= start else { return nil }
        return start..<(end + 1)
    }

    func updateFile(_ request: EmulatorRequest, id: String, user: String) async throws -> Response {
        let input = try FileMetadataInput(json: try await request.jsonBody())
        let file = try store.write { state, journal in
            try state.updateFile(
                user: user,
                id: id,
                input: input,
                addParents: Self.idList(request.parameter("addParents")),
                removeParents: Self.idList(request.parameter("removeParents")),
                content: nil,
                scope: request.driveScope,
                journal: &journal
            )
        }
        return try await fileResponse(file, request: request, user: user)
    }

    static func idList(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
    }

    func deleteFile(_ request: EmulatorRequest, id: String, user: String) throws -> Response {
        try store.write { state, journal in
            try state.deleteFile(user: user, id: id, scope: request.driveScope, journal: &journal)
        }
        return DriveResponse.empty()
    }

    func copyFile(_ request: EmulatorRequest, id: String, user: String) async throws -> Response {
        let input = try FileMetadataInput(json: try await request.jsonBody())
        try limiter.admitUpload(user: user, now: store.clock.milliseconds)
        let blobs = store.blobs
        let file = try store.write { state, journal in
            try state.copyFile(
                user: user,
                id: id,
                input: input,
                scope: request.driveScope,
                keepRevisionForever: request.flag("keepRevisionForever"),
                journal: &journal,
                duplicateBlob: { try blobs.duplicate($0) }
            )
        }
        limiter.recordUpload(user: user, bytes: file.size ?? 0, now: store.clock.milliseconds)
        return try await fileResponse(file, request: request, user: user)
    }

    /// `files.export` (10 MB cap) and `exportLinks` downloads (no cap).
    func export(_ request: EmulatorRequest, id: String, user: String, enforceSizeLimit: Bool) async throws -> Response {
        let (file, role) = try store.read { try $0.accessibleFile(id, user: user, supportsAllDrives: true) }
        guard file.canDownload(as: role) else { throw DriveError.cannotDownload }
        let targets = ExportFormats.targets[file.mimeType] ?? []
        let target: ExportFormats.Target?
        if let mimeType = request.parameter("mimeType") {
            target = targets.first { $0.mimeType == mimeType }
        } else if let format = request.parameter("exportFormat") {
            target = targets.first { $0.fileExtension == format }
        } else {
            throw DriveError.requiredParameter("mimeType")
        }
        guard file.isWorkspaceDocument else {
            throw DriveError(
                .forbidden,
                reason: "fileNotExportable",
                message: "Export only supports Docs Editors files."
            )
        }
        guard let target else {
            throw DriveError(
                .badRequest,
                reason: "badRequest",
                message: "The requested conversion is not supported.",
                location: "convertTo",
                locationType: "parameter"
            )
        }
        var text = ""
        if let blobId = file.blobId { text = String(buffer: try await store.blobs.readAll(blobId, limit: 64 << 20)) }
        guard
            let output = ExportFormats.render(
                text: text,
                sourceMimeType: file.mimeType,
                name: file.name,
                as: target.mimeType
            )
        else {
            throw DriveError.backendError
        }
        if enforceSizeLimit, output.readableBytes > 10_000_000 {
            throw DriveError(
                .forbidden,
                reason: "exportSizeLimitExceeded",
                message: "This file is too large to be exported."
            )
        }
        return Response(
            status: .ok,
            headers: [.contentType: target.mimeType, .contentLength: String(output.readableBytes)],
            body: ResponseBody(byteBuffer: output)
        )
    }
}
