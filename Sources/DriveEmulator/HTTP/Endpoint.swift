import DriveSyncCore
import HTTPTypes

/// Every route the emulator serves, chosen from the method and the decoded path alone (any `Host`).
enum Endpoint: Equatable, Sendable {
    case filesList, filesCreate, filesGenerateIds, filesEmptyTrash
    case filesGet(String)
    case filesUpdate(String)
    case filesDelete(String)
    case filesCopy(String)
    case filesExport(String)
    case permissionsList(String)
    case permissionsCreate(String)
    case permissionsGet(String, String)
    case permissionsUpdate(String, String)
    case permissionsDelete(String, String)
    case revisionsList(String)
    case revisionsGet(String, String)
    case revisionsUpdate(String, String)
    case revisionsDelete(String, String)
    case changesList, changesStartPageToken, changesWatch
    case filesWatch(String)
    case channelsStop
    case about
    case drivesList, drivesCreate
    case drivesGet(String)
    case drivesUpdate(String)
    case drivesDelete(String)
    /// `/upload/...` and `/resumable/upload/...`: initiation, simple, multipart, or a session chunk.
    case upload(fileId: String?)
    case exportLink
    /// `webContentLink` downloads (`/uc?id=ID&export=download`).
    case webContentLink
    case batch
    case oauthAuthorize, oauthToken, oauthDeviceCode, oauthDeviceVerification, oauthRevoke, oauthTokenInfo
    case admin([String])

    /// The Drive method name, for call counters and fault rules.
    var method: DriveMethod {
        switch self {
        case .filesList: "files.list"
        case .filesCreate: "files.create"
        case .filesGenerateIds: "files.generateIds"
        case .filesEmptyTrash: "files.emptyTrash"
        case .filesGet: "files.get"
        case .filesUpdate: "files.update"
        case .filesDelete: "files.delete"
        case .filesCopy: "files.copy"
        case .filesExport, .exportLink: "files.export"
        case .webContentLink: "files.get"
        case .permissionsList: "permissions.list"
        case .permissionsCreate: "permissions.create"
        case .permissionsGet: "permissions.get"
        case .permissionsUpdate: "permissions.update"
        case .permissionsDelete: "permissions.delete"
        case .revisionsList: "revisions.list"
        case .revisionsGet: "revisions.get"
        case .revisionsUpdate: "revisions.update"
        case .revisionsDelete: "revisions.delete"
        case .changesList: "changes.list"
        case .changesStartPageToken: "changes.getStartPageToken"
        case .changesWatch: "changes.watch"
        case .filesWatch: "files.watch"
        case .channelsStop: "channels.stop"
        case .about: "about.get"
        case .drivesList: "drives.list"
        case .drivesCreate: "drives.create"
        case .drivesGet: "drives.get"
        case .drivesUpdate: "drives.update"
        case .drivesDelete: "drives.delete"
        case .upload(let fileId): fileId == nil ? "files.create" : "files.update"
        case .admin: "admin"
        case .batch: "batch"
        case .oauthAuthorize: "oauth.authorize"
        case .oauthToken: "oauth.token"
        case .oauthDeviceCode: "oauth.deviceCode"
        case .oauthDeviceVerification: "oauth.deviceVerification"
        case .oauthRevoke: "oauth.revoke"
        case .oauthTokenInfo: "oauth.tokeninfo"
        }
    }

    /// Counts against the sustained write limit.
    var isWrite: Bool {
        switch self {
        case .filesCreate, .filesEmptyTrash, .filesUpdate, .filesDelete, .filesCopy, .permissionsCreate,
            .permissionsUpdate, .permissionsDelete, .revisionsUpdate, .revisionsDelete, .drivesCreate, .drivesUpdate,
            .drivesDelete, .upload:
            true
        default:
            false
        }
    }

    var isOAuth: Bool {
        switch self {
        case .oauthAuthorize, .oauthToken, .oauthDeviceCode, .oauthDeviceVerification, .oauthRevoke, .oauthTokenInfo:
            true
        default: false
        }
    }

    /// Google's OAuth paths (accounts.google.com, oauth2.googleapis.com, www.googleapis.com/oauth2).
    private static func oauthRoute(_ m: HTTPRequest.Method, _ segments: [String]) -> Endpoint? {
        switch (m, segments) {
        case (.get, ["o", "oauth2", "v2", "auth"]), (.get, ["o", "oauth2", "auth"]): .oauthAuthorize
        case (.post, ["token"]), (.post, ["oauth2", "v4", "token"]), (.post, ["o", "oauth2", "token"]): .oauthToken
        case (.post, ["device", "code"]), (.post, ["o", "oauth2", "device", "code"]): .oauthDeviceCode
        case (.get, ["device"]): .oauthDeviceVerification
        case (.post, ["revoke"]), (.post, ["o", "oauth2", "revoke"]), (.get, ["o", "oauth2", "revoke"]): .oauthRevoke
        case (.get, ["tokeninfo"]), (.post, ["tokeninfo"]), (.get, ["oauth2", "v3", "tokeninfo"]),
            (.post, ["oauth2", "v3", "tokeninfo"]):
            .oauthTokenInfo
        default: nil
        }
    }

    static func route(method: HTTPRequest.Method, segments: [String]) -> Endpoint? {
        let m = method
        if let oauth = oauthRoute(m, segments) { return oauth }
        switch segments.first {
        case "drive":
            guard segments.count >= 3, segments[1] == "v3" else { return nil }
            return driveRoute(m, Array(segments.dropFirst(2)))
        case "upload":
            guard segments.count >= 4, segments[1] == "drive", segments[2] == "v3", segments[3] == "files" else {
                return nil
            }
            return uploadRoute(m, Array(segments.dropFirst(4)))
        case "resumable":
            guard segments.count >= 5, segments[1] == "upload", segments[2] == "drive", segments[3] == "v3",
                segments[4] == "files"
            else { return nil }
            return uploadRoute(m, Array(segments.dropFirst(5)))
        case "download":
            // Google's media download service: where a batch sends `alt=media` parts.
            guard m == .get, segments.count >= 4, segments[1] == "drive", segments[2] == "v3" else { return nil }
            switch driveRoute(m, Array(segments.dropFirst(3))) {
            case .filesGet(let id): return .filesGet(id)
            case .revisionsGet(let fileId, let id): return .revisionsGet(fileId, id)
            default: return nil
            }
        case "batch":
            return m == .post && segments == ["batch", "drive", "v3"] ? .batch : nil
        case "uc":
            return m == .get && segments.count == 1 ? .webContentLink : nil
        case "feeds":
            return m == .get && segments.last == "Export" ? .exportLink : nil
        case "emulator":
            return segments.count >= 2 && segments[1] == "admin" ? .admin(Array(segments.dropFirst(2))) : nil
        default:
            return nil
        }
    }

    private static func uploadRoute(_ m: HTTPRequest.Method, _ rest: [String]) -> Endpoint? {
        switch rest.count {
        case 0 where m == .post || m == .put: return .upload(fileId: nil)
        case 1 where m == .patch || m == .put || m == .post: return .upload(fileId: rest[0])
        default: return nil
        }
    }

    private static func driveRoute(_ m: HTTPRequest.Method, _ s: [String]) -> Endpoint? {
        switch (m, s.count, s.first) {
        case (.get, 1, "files"): return .filesList
        case (.post, 1, "files"): return .filesCreate
        case (.get, 2, "files") where s[1] == "generateIds": return .filesGenerateIds
        case (.delete, 2, "files") where s[1] == "trash": return .filesEmptyTrash
        case (.get, 2, "files"): return .filesGet(s[1])
        case (.patch, 2, "files"), (.put, 2, "files"): return .filesUpdate(s[1])
        case (.delete, 2, "files"): return .filesDelete(s[1])
        case (.post, 3, "files") where s[2] == "copy": return .filesCopy(s[1])
        case (.get, 3, "files") where s[2] == "export": return .filesExport(s[1])
        case (.get, 3, "files") where s[2] == "permissions": return .permissionsList(s[1])
        case (.post, 3, "files") where s[2] == "permissions": return .permissionsCreate(s[1])
        case (.get, 4, "files") where s[2] == "permissions": return .permissionsGet(s[1], s[3])
        case (.patch, 4, "files") where s[2] == "permissions": return .permissionsUpdate(s[1], s[3])
        case (.delete, 4, "files") where s[2] == "permissions": return .permissionsDelete(s[1], s[3])
        case (.get, 3, "files") where s[2] == "revisions": return .revisionsList(s[1])
        case (.get, 4, "files") where s[2] == "revisions": return .revisionsGet(s[1], s[3])
        case (.patch, 4, "files") where s[2] == "revisions": return .revisionsUpdate(s[1], s[3])
        case (.delete, 4, "files") where s[2] == "revisions": return .revisionsDelete(s[1], s[3])
        case (.get, 1, "changes"): return .changesList
        case (.get, 2, "changes") where s[1] == "startPageToken": return .changesStartPageToken
        case (.post, 2, "changes") where s[1] == "watch": return .changesWatch
        case (.post, 3, "files") where s[2] == "watch": return .filesWatch(s[1])
        case (.post, 2, "channels") where s[1] == "stop": return .channelsStop
        case (.get, 1, "about"): return .about
        case (.get, 1, "drives"): return .drivesList
        case (.post, 1, "drives"): return .drivesCreate
        case (.get, 2, "drives"): return .drivesGet(s[1])
        case (.patch, 2, "drives"): return .drivesUpdate(s[1])
        case (.delete, 2, "drives"): return .drivesDelete(s[1])
        default: return nil
        }
    }
}
