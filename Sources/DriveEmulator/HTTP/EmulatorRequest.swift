import DriveSyncCore
import HTTPTypes
import Hummingbird
import NIOCore

/// A request as the Drive handlers see it: decoded path segments and query parameters, the effective
/// method (after `x-http-method-override`), and where the client reached us.
struct EmulatorRequest: Sendable {
    var method: HTTPRequest.Method
    var path: String
    var segments: [String]
    var parameters: [String: String]
    var headers: HTTPFields
    var body: RequestBody
    var origin: RequestOrigin

    init(
        method: HTTPRequest.Method,
        path: String,
        query: String?,
        headers: HTTPFields,
        body: RequestBody,
        origin: RequestOrigin
    ) {
        self.method = method
        self.path = path
        self.segments = path.split(separator: "/", omittingEmptySubsequences: true).map {
            QueryEncoding.percentDecode($0, plusAsSpace: false)
        }
        var parameters: [String: String] = [:]
        for (name, value) in QueryEncoding.parseQuery(query ?? "") where parameters[name] == nil {
            parameters[name] = value
        }
        self.parameters = parameters
        self.headers = headers
        self.body = body
        self.origin = origin
    }

    func parameter(_ name: String) -> String? { parameters[name] }

    /// Booleans are read case-insensitively (R's gargle sends `TRUE`).
    func flag(_ name: String, default defaultValue: Bool = false) -> Bool {
        guard let value = parameters[name] else { return defaultValue }
        return value.lowercased() == "true" || value == "1"
    }

    /// Accepts the deprecated Team Drive aliases too.
    var supportsAllDrives: Bool { flag("supportsAllDrives") || flag("supportsTeamDrives") }
    var includeItemsFromAllDrives: Bool { flag("includeItemsFromAllDrives") || flag("includeTeamDriveItems") }
    var driveScope: SharedDriveAccess { SharedDriveAccess(supportsAllDrives: supportsAllDrives) }
    var pretty: Bool { flag("prettyPrint", default: true) }

    func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }

    /// Reads a small body whole (metadata JSON, forms); media bodies are streamed instead.
    func collectBody(limit: Int = 8 << 20) async throws -> ByteBuffer {
        do {
            return try await body.collect(upTo: limit)
        } catch {
            throw DriveError(.contentTooLarge, reason: "badRequest", message: "Request body is too large.")
        }
    }

    /// Parses the body as JSON; an empty body is `nil`.
    func jsonBody() async throws -> JSONValue? {
        let buffer = try await collectBody()
        guard buffer.readableBytes > 0 else { return nil }
        guard let json = JSONValue.parse(buffer.readableBytesView) else {
            throw DriveError.badRequest("Invalid JSON payload received.")
        }
        return json
    }

    /// Parses an `application/x-www-form-urlencoded` body.
    func formBody() async throws -> [String: String] {
        let buffer = try await collectBody(limit: 1 << 20)
        var form: [String: String] = [:]
        for (name, value) in QueryEncoding.parseQuery(String(buffer: buffer)) where form[name] == nil {
            form[name] = value
        }
        return form
    }
}

/// Builds responses the way Drive writes them.
enum DriveResponse {
    static func json(
        _ value: JSONValue,
        status: HTTPResponse.Status = .ok,
        pretty: Bool,
        headers: HTTPFields = [:]
    ) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=UTF-8"
        return Response(
            status: status,
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: value.serialized(pretty: pretty)))
        )
    }

    /// Applies `fields` (or the default selection) then serialises.
    static func json(
        _ value: JSONValue,
        for request: EmulatorRequest,
        schema: String,
        defaultFields: String?,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let mask = try fieldMask(request, schema: schema, defaultFields: defaultFields)
        return json(mask.apply(to: value), status: status, pretty: request.pretty)
    }

    static func fieldMask(
        _ request: EmulatorRequest,
        schema: String,
        defaultFields: String?
    ) throws(DriveError) -> FieldMask {
        // An empty `fields=` is no selection at all (Drive answers with the defaults; rclone sends it).
        let given = request.parameter("fields").flatMap { $0.isEmpty ? nil : $0 }
        guard let text = given ?? defaultFields else { return .all }
        do {
            let mask = try FieldMask.parse(text)
            try mask.validate(schema: schema)
            return mask
        } catch {
            throw .invalidFields(text)
        }
    }

    static func empty(status: HTTPResponse.Status = .noContent) -> Response {
        Response(status: status, headers: [.contentLength: "0"], body: ResponseBody())
    }
}
