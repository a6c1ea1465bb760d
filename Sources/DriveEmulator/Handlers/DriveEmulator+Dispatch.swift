import HTTPTypes
import Hummingbird
import NIOCore

extension DriveEmulator {
    func dispatch(
        _ endpoint: Endpoint,
        request: EmulatorRequest,
        user: String,
        chunkFault: FaultAction?,
        connection: (any Channel)?
    ) async throws -> Response {
        switch endpoint {
        case .filesList: return try await listFiles(request, user: user)
        case .filesCreate: return try await createFile(request, user: user)
        case .filesGenerateIds: return try generateIds(request, user: user)
        case .filesEmptyTrash: return try emptyTrash(request, user: user)
        case .filesGet(let id): return try await getFile(request, id: id, user: user)
        case .filesUpdate(let id): return try await updateFile(request, id: id, user: user)
        case .filesDelete(let id): return try deleteFile(request, id: id, user: user)
        case .filesCopy(let id): return try await copyFile(request, id: id, user: user)
        case .filesExport(let id): return try await export(request, id: id, user: user, enforceSizeLimit: true)
        case .exportLink:
            guard let id = request.parameter("id") else { throw DriveError.requiredParameter("id") }
            return try await export(request, id: id, user: user, enforceSizeLimit: false)
        case .webContentLink:
            guard let id = request.parameter("id") else { throw DriveError.requiredParameter("id") }
            var download = request
            download.parameters["alt"] = "media"
            return try await getFile(download, id: id, user: user)
        case .upload(let fileId):
            return try await handleUpload(
                request,
                fileId: fileId,
                user: user,
                chunkFault: chunkFault,
                connection: connection
            )
        case .changesList: return try await listChanges(request, user: user)
        case .changesStartPageToken: return try startPageToken(request, user: user)
        case .changesWatch: return try await watch(request, fileId: nil, user: user)
        case .filesWatch(let id): return try await watch(request, fileId: id, user: user)
        case .channelsStop: return try await stopChannel(request, user: user)
        case .about: return try about(request, user: user)
        case .permissionsList(let fileId): return try listPermissions(request, fileId: fileId, user: user)
        case .permissionsCreate(let fileId): return try await createPermission(request, fileId: fileId, user: user)
        case .permissionsGet(let fileId, let id): return try getPermission(request, fileId: fileId, id: id, user: user)
        case .permissionsUpdate(let fileId, let id):
            return try await updatePermission(request, fileId: fileId, id: id, user: user)
        case .permissionsDelete(let fileId, let id):
            return try deletePermission(request, fileId: fileId, id: id, user: user)
        case .revisionsList(let fileId): return try listRevisions(request, fileId: fileId, user: user)
        case .revisionsGet(let fileId, let id): return try getRevision(request, fileId: fileId, id: id, user: user)
        case .revisionsUpdate(let fileId, let id):
            return try await updateRevision(request, fileId: fileId, id: id, user: user)
        case .revisionsDelete(let fileId, let id):
            return try deleteRevision(request, fileId: fileId, id: id, user: user)
        case .drivesList: return try listDrives(request, user: user)
        case .drivesCreate: return try await createDrive(request, user: user)
        case .drivesGet(let id): return try getDrive(request, id: id, user: user)
        case .drivesUpdate(let id): return try await updateDrive(request, id: id, user: user)
        case .drivesDelete(let id): return try deleteDrive(request, id: id, user: user)
        case .admin, .batch, .oauthAuthorize, .oauthToken, .oauthDeviceCode, .oauthDeviceVerification, .oauthRevoke,
            .oauthTokenInfo:
            throw DriveError.noSuchRoute
        }
    }

    // MARK: Shared helpers

    static let defaultFileFields = "kind,id,name,mimeType"

    func fileResponse(
        _ file: FileRecord,
        request: EmulatorRequest,
        user: String,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let mask = try DriveResponse.fieldMask(request, schema: "File", defaultFields: Self.defaultFileFields)
        let files = try await withDigests([file], selecting: mask)
        let rendered = store.read { $0.render(files[0], for: user, origin: request.origin, selecting: mask) }
        return DriveResponse.json(mask.apply(to: rendered), status: status, pretty: request.pretty)
    }

    /// Fills in the SHA digests of content files that lack them when `selection` (what the answer shows
    /// of each file) asks for them (see `ContentHasher`), and records them so each blob is hashed once.
    func withDigests(_ files: [FileRecord], selecting selection: FieldMask) async throws -> [FileRecord] {
        guard selection.selects("sha1Checksum") || selection.selects("sha256Checksum") else { return files }
        var result = files
        var computed: [(file: FileRecord, digests: SHADigests)] = []
        for (index, file) in files.enumerated() where file.sha1Checksum == nil && file.md5Checksum != nil {
            // Without its blob the content was replaced meanwhile: the answer describes what was read.
            guard let blobId = file.blobId, let digests = try? await store.blobs.shaDigests(blobId) else { continue }
            result[index].sha1Checksum = digests.sha1
            result[index].sha256Checksum = digests.sha256
            computed.append((file, digests))
        }
        if !computed.isEmpty {
            try store.write { state, journal in
                for (file, digests) in computed { state.recordDigests(digests, of: file, journal: &journal) }
            }
        }
        return result
    }

    func pageSize(_ request: EmulatorRequest, default defaultValue: Int, maximum: Int) throws(DriveError) -> Int {
        guard let text = request.parameter("pageSize") else { return defaultValue }
        guard let value = Int(text), value >= 1 else { throw .invalidParameter("pageSize") }
        return min(value, maximum)
    }

    /// Page tokens are offsets into a stable ordering.
    func pageOffset(_ request: EmulatorRequest) throws(DriveError) -> Int {
        guard let token = request.parameter("pageToken"), !token.isEmpty else { return 0 }
        guard token.hasPrefix("~!!~"), let offset = Int(token.dropFirst(4)), offset >= 0 else {
            throw .invalidParameter("pageToken", message: "Invalid page token.")
        }
        return offset
    }

    static func pageToken(offset: Int) -> String { "~!!~\(offset)" }
}
