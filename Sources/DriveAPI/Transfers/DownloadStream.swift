import AsyncHTTPClient
import CoreMetrics
import Crypto
import DriveSyncCore
import Logging
public import NIOCore
import NIOHTTP1

/// File content as an async sequence of buffers, with back-pressure: the next buffer is read from the
/// network only when the consumer asks for it, so memory stays flat whatever the size.
///
/// A dropped connection is resumed transparently with `Range` from the last byte delivered, after making
/// sure the file is still the revision the stream began with (when that is known): a file changed
/// mid-stream throws `DriveAPIError.Code.contentChanged` rather than mixing two versions. When the
/// whole file is read and its MD5 is known, the MD5 is checked as the bytes stream past; a mismatch
/// throws `DriveAPIError.Code.checksumMismatch` at the end instead of returning normally.
public struct DownloadStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    enum Source: Sendable {
        /// A URL that answers with the bytes (`alt=media`, a revision, an export link).
        case url(String, name: DriveMethod)
        /// `files.export`, falling back to `exportLinks` past Drive's 10 MB export limit.
        case export(fileId: String, mimeType: String)
    }

    let client: DriveClient
    let source: Source
    let range: Range<Int64>?
    let expectedMD5: String?
    /// The file and revision being read, checked before a resumed request.
    let revision: (fileId: String, headRevisionId: String)?

    public func makeAsyncIterator() -> Iterator { Iterator(stream: self) }

    public struct Iterator: AsyncIteratorProtocol {
        let stream: DownloadStream
        var url: String?
        var offset: Int64
        var end: Int64?
        var body: HTTPClientResponse.Body.AsyncIterator?
        var hasher: Insecure.MD5?
        var retry: RetryStage
        var finished = false

        init(stream: DownloadStream) {
            self.stream = stream
            retry = RetryStage(client: stream.client, method: Self.name(of: stream.source))
            offset = stream.range?.lowerBound ?? 0
            end = stream.range?.upperBound
            hasher = stream.range == nil && stream.expectedMD5 != nil ? Insecure.MD5() : nil
        }

        var name: DriveMethod { Self.name(of: stream.source) }

        static func name(of source: Source) -> DriveMethod {
            switch source {
            case .url(_, let name): name
            case .export: "files.export"
            }
        }

        public mutating func next() async throws -> ByteBuffer? {
            guard !finished else { return nil }
            while true {
                try Task.checkCancellation()
                do {
                    if body == nil { try await open() }
                    if let buffer = try await body?.next() {
                        offset += Int64(buffer.readableBytes)
                        if hasher != nil { buffer.withUnsafeReadableBytes { hasher?.update(bufferPointer: $0) } }
                        stream.client.metrics.downloadedBytes.increment(by: Int64(buffer.readableBytes))
                        retry.reset()
                        return buffer
                    }
                    if let end, offset < end {
                        throw DriveAPIError(
                            code: .transport,
                            message: "the body ended at \(offset) of \(end)",
                            method: name
                        )
                    }
                } catch let error as DriveAPIError {
                    try await recover(from: error)
                    continue
                } catch let error as CancellationError {
                    throw error
                } catch {
                    try await recover(
                        from: DriveAPIError(
                            code: .transport,
                            message: "connection dropped at byte \(offset)",
                            method: name,
                            cause: error
                        )
                    )
                    continue
                }
                finished = true
                try verify()
                return nil
            }
        }

        /// Retries what is worth retrying, resuming from the last byte delivered. An export cut after some
        /// bytes is not resumed: it carries no revision to check, so its rest could come from an edit.
        private mutating func recover(from error: DriveAPIError) async throws {
            body = nil
            if case .export = stream.source, offset > 0 {
                finished = true
                throw error
            }
            guard try await retry.backOff(after: error) else {
                finished = true
                throw error
            }
            if offset > (stream.range?.lowerBound ?? 0), let (fileId, expected) = stream.revision {
                let current = try await stream.client.getFile(fileId, fields: .headRevision).headRevisionId
                guard current == expected else {
                    finished = true
                    throw DriveAPIError(
                        code: .contentChanged,
                        message:
                            "the file changed on Drive after \(offset) bytes were read (revision \(expected) is now \(current ?? "gone")); read it again",
                        method: name
                    )
                }
            }
        }

        private mutating func open() async throws {
            var headers: HTTPHeaders = [:]
            if offset > 0 || end != nil {
                headers.add(name: "Range", value: "bytes=\(offset)-\(end.map { String($0 - 1) } ?? "")")
            }
            let client = stream.client
            let response: HTTPClientResponse
            switch (stream.source, url) {
            case (_, .some(let known)), (.url(let known, _), nil):
                url = known
                response = try await client.openStream(.absolute(known), headers: headers, name: name)
            case (.export(let fileId, let mimeType), nil):
                let export = client.url(
                    "/drive/v3/files/\(client.pathEscaped(fileId))/export",
                    [("mimeType", mimeType)]
                )
                do {
                    response = try await client.openStream(.absolute(export), headers: headers, name: name)
                    url = export
                } catch let error as DriveAPIError where error.reason == "exportSizeLimitExceeded" {
                    // Past Drive's 10 MB export limit: the file's export link has no such cap.
                    guard let link = try await client.getFile(fileId, fields: .exportLinks).exportLinks?[mimeType]
                    else { throw error }
                    url = link
                    response = try await client.openStream(.absolute(link), headers: headers, name: name)
                }
            }
            // A server that ignores Range would resend from byte 0: refuse to mix.
            if offset > 0, response.status != .partialContent {
                throw DriveAPIError(
                    code: .invalidResponse,
                    status: Int(response.status.code),
                    message: "the server ignored Range",
                    method: name
                )
            }
            // A range open at the end (`START-`) ends with the file.
            if let end, let total = Self.totalSize(fromContentRange: response.headers.first(name: "Content-Range")) {
                self.end = Swift.min(end, total)
            }
            body = response.body.makeAsyncIterator()
        }

        /// The file size of a `Content-Range: bytes a-b/size` answer.
        static func totalSize(fromContentRange header: String?) -> Int64? {
            guard let header, let slash = header.lastIndex(of: "/") else { return nil }
            return Int64(header[header.index(after: slash)...])
        }

        private func verify() throws {
            guard let hasher, let expected = stream.expectedMD5 else { return }
            let actual = Hex.lowercase(hasher.finalize())
            guard actual == expected else {
                throw DriveAPIError(
                    code: .checksumMismatch,
                    message: "downloaded MD5 \(actual), Drive says \(expected)",
                    method: name
                )
            }
        }
    }
}

extension DriveClient {
    /// The content of a blob file. With a `File` that carries `md5Checksum`, the MD5 is verified; with
    /// `headRevisionId`, a resumed read first makes sure the file has not changed.
    public func download(_ file: File, range: Range<Int64>? = nil) -> DownloadStream {
        download(
            fileId: file.id ?? "",
            range: range,
            expectedMD5: file.md5Checksum,
            headRevisionId: file.headRevisionId
        )
    }

    public func download(
        fileId: String,
        range: Range<Int64>? = nil,
        expectedMD5: String? = nil,
        headRevisionId: String? = nil
    ) -> DownloadStream {
        DownloadStream(
            client: self,
            source: .url(
                url("/drive/v3/files/\(pathEscaped(fileId))", [("alt", "media"), ("supportsAllDrives", "true")]),
                name: "files.get"
            ),
            range: range,
            expectedMD5: expectedMD5,
            revision: headRevisionId.map { (fileId, $0) }
        )
    }

    /// A revision's content.
    public func downloadRevision(fileId: String, revisionId: String, expectedMD5: String? = nil) -> DownloadStream {
        DownloadStream(
            client: self,
            source: .url(
                url("/drive/v3/files/\(pathEscaped(fileId))/revisions/\(pathEscaped(revisionId))", [("alt", "media")]),
                name: "revisions.get"
            ),
            range: nil,
            expectedMD5: expectedMD5,
            revision: nil  // a revision's content never changes
        )
    }

    /// A Google Workspace document exported to `mimeType`, streamed.
    public func export(fileId: String, mimeType: String) -> DownloadStream {
        DownloadStream(
            client: self,
            source: .export(fileId: fileId, mimeType: mimeType),
            range: nil,
            expectedMD5: nil,
            revision: nil
        )
    }

    /// Opens a streaming GET through the pipeline, once: the stream's own loop retries (resuming with
    /// `Range`), so the pipeline does not retry it a second time.
    func openStream(
        _ endpoint: DriveRequest.Endpoint,
        headers: HTTPHeaders,
        name: DriveMethod
    ) async throws -> HTTPClientResponse {
        var request = DriveRequest(method: name, verb: .GET, endpoint: endpoint, headers: headers, kind: .read)
        request.accepted = [200, 206]
        request.retries = .byCaller
        return try await send(request) { $0 }
    }
}
