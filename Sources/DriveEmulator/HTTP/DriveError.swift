import HTTPTypes
import Hummingbird
import NIOCore

/// An error answered exactly as Drive answers it: status, `reason`, `domain` and message in Google's JSON
/// error shape (or, for the rare HTML 429, Google's HTML page).
struct DriveError: Error, HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var reason: String
    var domain: String
    var message: String
    var location: String?
    var locationType: String?
    var retryAfterSeconds: Int?
    /// Answer with Google's "automated queries" HTML page instead of JSON.
    var html = false
    var extraHeaders: HTTPFields = [:]

    init(
        _ status: HTTPResponse.Status,
        reason: String,
        domain: String = "global",
        message: String,
        location: String? = nil,
        locationType: String? = nil,
        retryAfterSeconds: Int? = nil
    ) {
        self.status = status
        self.reason = reason
        self.domain = domain
        self.message = message
        self.location = location
        self.locationType = locationType
        self.retryAfterSeconds = retryAfterSeconds
    }

    var body: JSONValue {
        var detail = JSONObjectBuilder()
        detail.add("domain", domain)
        detail.add("reason", reason)
        detail.add("message", message)
        detail.add("locationType", locationType)
        detail.add("location", location)
        var error = JSONObjectBuilder()
        error.add("code", JSONValue.int(Int64(status.code)))
        error.add("message", message)
        error.add("errors", JSONValue.array([detail.value]))
        if let grpcStatus { error.add("status", grpcStatus) }
        return .object([JSONMember("error", error.value)])
    }

    private var grpcStatus: String? {
        switch status.code {
        case 400: "INVALID_ARGUMENT"
        case 401: "UNAUTHENTICATED"
        case 403: "PERMISSION_DENIED"
        case 404: "NOT_FOUND"
        case 409: "ALREADY_EXISTS"
        case 429: "RESOURCE_EXHAUSTED"
        case 500: "INTERNAL"
        case 503: "UNAVAILABLE"
        default: nil
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response(pretty: true)
    }

    func response(pretty: Bool) -> Response {
        var headers = extraHeaders
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        if html {
            headers[.contentType] = "text/html; charset=UTF-8"
            headers[.connection] = "close"
            return Response(
                status: status,
                headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: Self.automatedQueriesPage))
            )
        }
        headers[.contentType] = "application/json; charset=UTF-8"
        if status == .unauthorized {
            headers[.wwwAuthenticate] = #"Bearer realm="https://accounts.google.com/", error="invalid_token""#
        }
        return Response(
            status: status,
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: body.serialized(pretty: pretty)))
        )
    }

    static let automatedQueriesPage = """
        <html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"/><title>Sorry...</title></head>
        <body><div><h1>We're sorry...</h1><p>... but your computer or network may be sending automated queries. \
        To protect our users, we can't process your request right now.</p></div></body></html>
        """
}

// The error catalogue, with Drive's own reasons and messages.
extension DriveError {
    static func fileNotFound(_ id: String) -> DriveError {
        DriveError(
            .notFound,
            reason: "notFound",
            message: "File not found: \(id).",
            location: "fileId",
            locationType: "parameter"
        )
    }

    /// What Drive answers for a method and path it does not serve.
    static let noSuchRoute = DriveError(.notFound, reason: "notFound", message: "Not Found")

    static func notFound(_ what: String, location: String) -> DriveError {
        DriveError(
            .notFound,
            reason: "notFound",
            message: "\(what) not found.",
            location: location,
            locationType: "parameter"
        )
    }

    static func badRequest(_ message: String) -> DriveError {
        DriveError(.badRequest, reason: "badRequest", message: message)
    }

    static func invalidParameter(_ name: String, message: String = "Invalid Value") -> DriveError {
        DriveError(.badRequest, reason: "invalid", message: message, location: name, locationType: "parameter")
    }

    static func requiredParameter(_ name: String) -> DriveError {
        DriveError(
            .badRequest,
            reason: "required",
            message: "Required parameter: \(name)",
            location: name,
            locationType: "parameter"
        )
    }

    static func invalidFields(_ detail: String) -> DriveError {
        DriveError(
            .badRequest,
            reason: "invalidParameter",
            message: "Invalid field selection \(detail)",
            location: "fields",
            locationType: "parameter"
        )
    }

    static let authError = DriveError(
        .unauthorized,
        reason: "authError",
        message: "Invalid Credentials",
        location: "Authorization",
        locationType: "header"
    )

    static func insufficientPermissions(_ id: String) -> DriveError {
        DriveError(
            .forbidden,
            reason: "insufficientFilePermissions",
            message: "The user does not have sufficient permissions for this file.",
            location: "fileId",
            locationType: "parameter"
        )
    }

    static let storageQuotaExceeded = DriveError(
        .forbidden,
        reason: "storageQuotaExceeded",
        domain: "usageLimits",
        message: "The user's Drive storage quota has been exceeded."
    )

    static func userRateLimitExceeded(message: String) -> DriveError {
        DriveError(.forbidden, reason: "userRateLimitExceeded", domain: "usageLimits", message: message)
    }

    static func rateLimitExceeded(retryAfterSeconds: Int?) -> DriveError {
        DriveError(
            .tooManyRequests,
            reason: "rateLimitExceeded",
            domain: "usageLimits",
            message: "Rate Limit Exceeded",
            retryAfterSeconds: retryAfterSeconds
        )
    }

    static let fileIdInUse = DriveError(
        .conflict,
        reason: "fileIdInUse",
        message: "A file already exists with the provided ID.",
        location: "file.id",
        locationType: "other"
    )

    /// The owner turned off downloads for readers and commenters (`copyRequiresWriterPermission`).
    static let cannotDownload = DriveError(
        .forbidden,
        reason: "cannotDownloadFile",
        message: "The user does not have sufficient permissions for this file."
    )

    static let fileNotDownloadable = DriveError(
        .forbidden,
        reason: "fileNotDownloadable",
        message: "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
        location: "alt",
        locationType: "parameter"
    )

    static let backendError = DriveError(.internalServerError, reason: "backendError", message: "Backend Error")
}
