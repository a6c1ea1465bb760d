import DriveSyncCore
public import NIOCore
public import NIOHTTP1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One request to Drive, described with labelled values so the pipeline can send it again: JSON calls,
/// batches, downloads (and their `Range` resumes), exports, resumable initiations, chunks and status
/// queries are all `DriveRequest`s.
struct DriveRequest: Sendable {
    /// Where the request goes.
    enum Endpoint: Sendable {
        /// A path under the metadata base URL (`/drive/v3/files`).
        case api(String)
        /// A path under the upload base URL (`/upload/drive/v3/files`).
        case upload(String)
        /// A URL Drive handed out: a resumable session, an export link.
        case absolute(String)
    }

    /// Who retries a failed request.
    enum Retries: Sendable {
        /// The pipeline's retry stage, per `RetryClassification`.
        case standard
        /// The caller, which knows how to replay it (a resumable chunk asks for the committed range first).
        case byCaller
    }

    /// The Drive method (`files.create`), for logs, metrics and errors.
    var method: DriveMethod
    var verb: HTTPMethod
    var endpoint: Endpoint
    /// Query parameters; those whose value is `nil` are left out.
    var query: [(String, String?)] = []
    var headers: HTTPHeaders = [:]
    var body: ByteBuffer?
    var kind: RequestKind
    /// Statuses that count as an answer rather than a failure.
    var accepted: Set<Int> = [200, 201, 204]
    /// The deadline for the answer's head; the client's `requestTimeout` when `nil`.
    var timeout: Duration?
    var retries = Retries.standard

    init(
        method: DriveMethod,
        verb: HTTPMethod,
        endpoint: Endpoint,
        query: [(String, String?)] = [],
        headers: HTTPHeaders = [:],
        body: ByteBuffer? = nil,
        kind: RequestKind
    ) {
        self.method = method
        self.verb = verb
        self.endpoint = endpoint
        self.query = query
        self.headers = headers
        self.body = body
        self.kind = kind
    }

    /// A metadata call under `/drive/v3`, with a JSON body when `json` is given.
    init(
        method: DriveMethod,
        verb: HTTPMethod,
        path: String,
        query: [(String, String?)] = [],
        json: (some Encodable)? = String?.none,
        kind: RequestKind
    ) throws {
        self.init(method: method, verb: verb, endpoint: .api(path), query: query, kind: kind)
        if let json {
            headers = Self.jsonHeaders
            body = ByteBuffer(bytes: try DriveJSON.encoder.encode(json))
        }
    }

    static let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json; charset=UTF-8"]
}
