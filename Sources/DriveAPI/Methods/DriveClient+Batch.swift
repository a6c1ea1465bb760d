import DriveSyncCore
public import NIOCore
public import NIOHTTP1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One call inside a batch: metadata only (Drive allows no media in batches).
public struct BatchRequest: Sendable {
    public var method: HTTPMethod
    /// Path and query, e.g. `/drive/v3/files/ID?fields=id,name`.
    public var target: String
    public var body: ByteBuffer?

    public init(method: HTTPMethod, target: String, body: ByteBuffer? = nil) {
        self.method = method
        self.target = target
        self.body = body
    }

    public static func getFile(_ id: String, fields: Fields = .syncFile) -> BatchRequest {
        BatchRequest(
            method: .GET,
            target: "/drive/v3/files/\(QueryEncoding.percentEncode(id))?"
                + QueryEncoding.queryString([("fields", fields.description), ("supportsAllDrives", "true")])
        )
    }

    public static func createFile(_ metadata: File, fields: Fields = .syncFile) throws -> BatchRequest {
        BatchRequest(
            method: .POST,
            target: "/drive/v3/files?"
                + QueryEncoding.queryString([("fields", fields.description), ("supportsAllDrives", "true")]),
            body: ByteBuffer(bytes: try DriveJSON.encoder.encode(metadata))
        )
    }

    public static func updateFile(
        _ id: String,
        _ metadata: File,
        addParents: [String] = [],
        removeParents: [String] = [],
        fields: Fields = .syncFile
    ) throws -> BatchRequest {
        var query = [("fields", fields.description), ("supportsAllDrives", "true")]
        if !addParents.isEmpty { query.append(("addParents", addParents.joined(separator: ","))) }
        if !removeParents.isEmpty { query.append(("removeParents", removeParents.joined(separator: ","))) }
        return BatchRequest(
            method: .PATCH,
            target: "/drive/v3/files/\(QueryEncoding.percentEncode(id))?" + QueryEncoding.queryString(query),
            body: ByteBuffer(bytes: try DriveJSON.encoder.encode(metadata))
        )
    }

    public static func deleteFile(_ id: String) -> BatchRequest {
        BatchRequest(
            method: .DELETE,
            target: "/drive/v3/files/\(QueryEncoding.percentEncode(id))?supportsAllDrives=true"
        )
    }

    public static func createPermission(fileId: String, _ permission: Permission) throws -> BatchRequest {
        BatchRequest(
            method: .POST,
            target:
                "/drive/v3/files/\(QueryEncoding.percentEncode(fileId))/permissions?supportsAllDrives=true&sendNotificationEmail=false",
            body: ByteBuffer(bytes: try DriveJSON.encoder.encode(permission))
        )
    }
}

/// One call's answer inside a batch.
public struct BatchResponse: Sendable {
    public var status: Int
    public var body: ByteBuffer
    /// The call's error, when its status is not 2xx.
    public var error: DriveAPIError?

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let error { throw error }
        do {
            return try DriveJSON.decoder.decode(T.self, from: Data(body.readableBytesView))
        } catch {
            throw DriveAPIError(
                code: .invalidResponse,
                status: status,
                message: "undecodable \(T.self) in a batch answer: \(error)",
                method: "batch"
            )
        }
    }
}

extension DriveClient {
    public static let maximumBatchSize = 100

    /// Sends up to 100 metadata calls in one HTTP request; answers come back in request order. Calls
    /// that fail with a retryable error (rate limits, 5xx) are sent again in a later batch, with backoff.
    public func batch(_ requests: [BatchRequest]) async throws -> [BatchResponse] {
        guard requests.count <= Self.maximumBatchSize else {
            throw DriveAPIError(
                code: .invalidRequest,
                message: "a batch holds at most \(Self.maximumBatchSize) calls, not \(requests.count)",
                method: "batch"
            )
        }
        var results = [BatchResponse?](repeating: nil, count: requests.count)
        var pending = Array(requests.indices)
        var retry = RetryStage(client: self, method: "batch")
        while !pending.isEmpty {
            let answers = try await sendBatch(pending.map { requests[$0] })
            var failed: [(index: Int, error: DriveAPIError)] = []
            for (index, answer) in zip(pending, answers) {
                results[index] = answer
                if let error = answer.error, RetryStage.isTransient(error) { failed.append((index, error)) }
            }
            // One wait for the calls sent again, as long as the longest Retry-After asks.
            let longest = failed.max { ($0.error.retryAfter ?? .zero) < ($1.error.retryAfter ?? .zero) }
            guard let longest, try await retry.backOff(after: longest.error) else { break }
            pending = failed.map(\.index)
        }
        return results.map { $0! }
    }

    private func sendBatch(_ requests: [BatchRequest]) async throws -> [BatchResponse] {
        let boundary = "batch_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        var body = ByteBuffer()
        for (index, request) in requests.enumerated() {
            body.writeString("--\(boundary)\r\nContent-Type: application/http\r\nContent-ID: <item\(index)>\r\n\r\n")
            body.writeString("\(request.method.rawValue) \(request.target) HTTP/1.1\r\n")
            if let content = request.body {
                body.writeString(
                    "Content-Type: application/json; charset=UTF-8\r\nContent-Length: \(content.readableBytes)\r\n\r\n"
                )
                body.writeImmutableBuffer(content)
                body.writeString("\r\n")
            } else {
                body.writeString("\r\n")
            }
        }
        body.writeString("--\(boundary)--\r\n")
        let kind: RequestKind = requests.allSatisfy { $0.method == .GET } ? .read : .write
        let answer = try await perform(
            DriveRequest(
                method: "batch",
                verb: .POST,
                endpoint: .api("/batch/drive/v3"),
                headers: ["Content-Type": "multipart/mixed; boundary=\(boundary)"],
                body: body,
                kind: kind
            )
        )
        return try Self.parseBatchAnswer(answer, count: requests.count)
    }

    /// Splits a `multipart/mixed` answer into per-call answers, matched by `Content-ID`.
    static func parseBatchAnswer(_ answer: Answer, count: Int) throws -> [BatchResponse] {
        guard
            let boundary = answer.headers.first(name: "Content-Type").flatMap(
                MultipartParser.boundary(fromContentType:)
            )
        else {
            throw DriveAPIError(
                code: .invalidResponse,
                status: answer.status,
                message: "batch answer without a multipart boundary",
                method: "batch"
            )
        }
        var parser = MultipartParser(boundary: boundary)
        let events: [MultipartParser.Event]
        do {
            events = try parser.feed(answer.body) + parser.finish()
        } catch {
            throw DriveAPIError(code: .invalidResponse, message: "malformed batch answer", method: "batch")
        }
        var results = [BatchResponse?](repeating: nil, count: count)
        var contentId: String?
        var content = ByteBuffer()
        var order = 0
        for event in events {
            switch event {
            case .headers(let headers):
                contentId = headers["content-id"]
                content = ByteBuffer()
            case .body(let buffer):
                content.writeImmutableBuffer(buffer)
            case .partEnd:
                let index = contentId.flatMap { id in Int(id.filter(\.isNumber)) } ?? order
                order += 1
                if index < count { results[index] = try parsePart(content) }
            case .end:
                break
            }
        }
        return try results.enumerated().map { index, result in
            guard let result else {
                throw DriveAPIError(
                    code: .invalidResponse,
                    message: "batch answer lacks call \(index)",
                    method: "batch"
                )
            }
            return result
        }
    }

    /// `HTTP/1.1 200 OK`, headers, a blank line, the body.
    private static func parsePart(_ content: ByteBuffer) throws -> BatchResponse {
        let bytes = Array(content.readableBytesView)
        let (headBytes, bodyBytes) = HTTPMessage.split(bytes)
        let head = String(decoding: headBytes, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        guard let statusLine = head.first(where: { $0.hasPrefix("HTTP/") }),
            let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else {
            throw DriveAPIError(code: .invalidResponse, message: "batch part without a status line", method: "batch")
        }
        let headers = head.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingSpaces)
        }
        let body = Array(bodyBytes)
        let error =
            (200..<300).contains(status)
            ? nil : DriveAPIError.from(status: status, headers: headers, body: body, method: "batch")
        return BatchResponse(status: status, body: ByteBuffer(bytes: body), error: error)
    }
}
