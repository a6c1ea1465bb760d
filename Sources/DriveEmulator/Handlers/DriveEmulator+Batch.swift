import DriveSyncCore
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /batch/drive/v3`: up to 100 metadata calls in one `multipart/mixed` request, each answered in
/// its own part, in request order, with `Content-ID: <response-ID>`.
extension DriveEmulator {
    static let batchLimit = 100

    struct BatchPart {
        var contentId: String?
        var request: EmulatorRequest
    }

    func respondToBatch(_ request: EmulatorRequest) async throws -> Response {
        guard let boundary = request.headers[.contentType].flatMap(MultipartParser.boundary(fromContentType:)) else {
            throw DriveError.badRequest("Batch requests must be multipart/mixed with a boundary.")
        }
        let body = try await request.collectBody(limit: 16 << 20)
        let parts = try Self.parseBatch(body, boundary: boundary, outer: request)
        guard parts.count <= Self.batchLimit else {
            throw DriveError.badRequest(
                "A batch may contain at most \(Self.batchLimit) calls; this one has \(parts.count)."
            )
        }
        let responseBoundary = "batch_" + Identifier.random(count: 24).replacing("-", with: "").replacing("_", with: "")
        var output = ByteBuffer()
        for part in parts {
            let response: Response
            if part.request.segments.first == "upload" || part.request.segments.first == "resumable" {
                response = DriveError.badRequest("Media upload is not supported in batch requests.").response(
                    pretty: part.request.pretty
                )
            } else if part.request.method == .get, part.request.parameter("alt") == "media" {
                response = Self.mediaRedirect(part.request)
            } else {
                response = await respond(to: part.request, connection: nil)
            }
            let payload = try await ResponseCollector.collect(response.body, upTo: 16 << 20)
            output.writeString("--\(responseBoundary)\r\nContent-Type: application/http\r\n")
            if let contentId = part.contentId { output.writeString("Content-ID: <response-\(contentId)>\r\n") }
            output.writeString("\r\nHTTP/1.1 \(response.status.code) \(response.status.reasonPhrase)\r\n")
            for field in response.headers where field.name != .contentLength {
                output.writeString("\(field.name.rawName): \(field.value)\r\n")
            }
            output.writeString("Content-Length: \(payload.readableBytes)\r\n\r\n")
            output.writeImmutableBuffer(payload)
            output.writeString("\r\n")
        }
        output.writeString("--\(responseBoundary)--\r\n")
        return Response(
            status: .ok,
            headers: [
                .contentType: "multipart/mixed; boundary=\(responseBoundary)",
                .contentLength: String(output.readableBytes),
            ],
            body: ResponseBody(byteBuffer: output)
        )
    }

    /// Drive serves no media inside a batch: it sends the part to the download service instead.
    static func mediaRedirect(_ request: EmulatorRequest) -> Response {
        let query = QueryEncoding.queryString(request.parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        return Response(
            status: .found,
            headers: [.location: "\(request.origin.base)/download\(request.path)?\(query)", .contentLength: "0"]
        )
    }

    /// Splits a batch body into inner requests. Outer headers (such as `Authorization`) apply to every
    /// inner request that does not set them itself.
    static func parseBatch(_ body: ByteBuffer, boundary: String, outer: EmulatorRequest) throws -> [BatchPart] {
        var parser = MultipartParser(boundary: boundary)
        var events: [MultipartParser.Event]
        do {
            events = try parser.feed(body)
            events += try parser.finish()
        } catch {
            throw DriveError.badRequest("Malformed multipart/mixed batch body.")
        }
        var parts: [BatchPart] = []
        var headers: [String: String] = [:]
        var content = ByteBuffer()
        for event in events {
            switch event {
            case .headers(let partHeaders):
                headers = partHeaders
                content = ByteBuffer()
            case .body(let buffer):
                content.writeImmutableBuffer(buffer)
            case .partEnd:
                let contentId = headers["content-id"].map { id in
                    id.hasPrefix("<") && id.hasSuffix(">") ? String(id.dropFirst().dropLast()) : id
                }
                parts.append(BatchPart(contentId: contentId, request: try innerRequest(content, outer: outer)))
            case .end:
                break
            }
        }
        return parts
    }

    /// Parses `METHOD /path?query HTTP/1.1`, header lines, a blank line and an optional body.
    private static func innerRequest(_ content: ByteBuffer, outer: EmulatorRequest) throws -> EmulatorRequest {
        let bytes = Array(content.readableBytesView)
        let (head, bodyBytes) = HTTPMessage.split(bytes)
        let lines = String(decoding: head, as: UTF8.self)
            .split(separator: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
            .drop { $0.trimmingSpaces.isEmpty }
        guard let requestLine = lines.first else { throw DriveError.badRequest("Empty batch part.") }
        let words = requestLine.split(separator: " ")
        guard words.count >= 2, let method = HTTPRequest.Method(String(words[0]).uppercased()) else {
            throw DriveError.badRequest("Invalid request line in batch part: \(requestLine)")
        }
        var target = String(words[1])
        if let schemeEnd = target.firstRange(of: "://") {
            target = String(target[schemeEnd.upperBound...].drop { $0 != "/" })
        }
        let pathAndQuery = target.split(separator: "?", maxSplits: 1)
        guard target.utf8.count <= 8000 else {
            throw DriveError.badRequest("A batched request URL may be at most 8,000 characters.")
        }
        var headers = outer.headers
        headers[.contentType] = nil
        headers[.contentLength] = nil
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), let name = HTTPField.Name(line[..<colon].trimmingSpaces) else {
                continue
            }
            headers[name] = line[line.index(after: colon)...].trimmingSpaces
        }
        let innerBody = ByteBuffer(bytes: bodyBytes)
        return EmulatorRequest(
            method: method,
            path: pathAndQuery.first.map(String.init) ?? "/",
            query: pathAndQuery.count > 1 ? String(pathAndQuery[1]) : nil,
            headers: headers,
            body: RequestBody(buffer: innerBody),
            origin: outer.origin
        )
    }
}
