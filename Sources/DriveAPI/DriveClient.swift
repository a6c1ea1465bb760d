public import AsyncHTTPClient
public import DriveSyncCore
public import Logging
import Metrics
import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A typed, resilient Google Drive v3 client.
///
/// Every call goes through the account's pacer, retries what Drive says is worth retrying (5xx, 429,
/// 403 rate limits, dropped connections) with jittered exponential backoff, and refreshes the access
/// token once on 401. Base URLs default to Google's and point at the emulator in tests.
///
/// ```swift
/// let drive = DriveClient(httpClient: .shared, tokens: FixedAccessToken("t"),
///                         configuration: .init(baseURL: "http://127.0.0.1:8080"))
/// for try await page in drive.listFiles(query: .inParents("root") && .notTrashed) { ... }
/// ```
public struct DriveClient: Sendable {
    public struct Configuration: Sendable {
        /// Root of the metadata and batch endpoints (`/drive/v3`, `/batch/drive/v3`).
        public var baseURL: String
        /// Root of the upload endpoints (`/upload/drive/v3`); the base URL when `nil`.
        public var uploadBaseURL: String?
        /// Files up to this size go in one multipart request; larger ones use resumable uploads.
        public var multipartCutoff: Int64
        /// Resumable chunk size: a multiple of 256 KiB. Memory per upload is one chunk. The 8 MiB default
        /// was chosen by measurement (Benchmarks/README.md): throughput flattens above it.
        public var chunkSize: Int
        public var retry: RetryPolicy
        /// Deadline for one request's answer head; transfers size theirs per chunk.
        public var requestTimeout: Duration
        /// Largest JSON answer accepted.
        public var maxResponseBytes: Int

        public init(
            baseURL: String = "https://www.googleapis.com",
            uploadBaseURL: String? = nil,
            multipartCutoff: Int64 = 5 << 20,
            chunkSize: Int = 8 << 20,
            retry: RetryPolicy = .standard,
            requestTimeout: Duration = .seconds(60),
            maxResponseBytes: Int = 64 << 20
        ) {
            self.baseURL = baseURL
            self.uploadBaseURL = uploadBaseURL
            self.multipartCutoff = multipartCutoff
            self.chunkSize = chunkSize
            self.retry = retry
            self.requestTimeout = requestTimeout
            self.maxResponseBytes = maxResponseBytes
        }

        public static let resumableGranularity = 256 * 1024
    }

    let http: HTTPClient
    public let configuration: Configuration
    let tokens: any AccessTokenProvider
    let pacer: any Pacing
    let sleep: @Sendable (Duration) async throws -> Void
    let logger: Logger
    let metrics: ClientMetrics

    /// - Parameters:
    ///   - httpClient: the AsyncHTTPClient to send with (its lifetime is the caller's).
    ///   - tokens: where access tokens come from.
    ///   - configuration: base URLs, transfer sizes, retry policy.
    ///   - pacer: shared by every client of one account; Drive's limits by default.
    ///   - clock: used for backoff waits (tests pass a fast or manual clock).
    public init<C: Clock>(
        httpClient: HTTPClient,
        tokens: any AccessTokenProvider,
        configuration: Configuration = .init(),
        pacer: RequestPacer<C>,
        clock: C,
        logger: Logger = Logger(label: "drivesync.drive")
    ) where C.Duration == Duration {
        precondition(
            configuration.chunkSize > 0 && configuration.chunkSize % Configuration.resumableGranularity == 0,
            "chunkSize must be a positive multiple of 256 KiB"
        )
        self.http = httpClient
        self.configuration = configuration
        self.tokens = tokens
        self.pacer = pacer
        self.sleep = { try await clock.sleep(for: $0) }
        self.logger = logger
        self.metrics = ClientMetrics()
    }

    public init(
        httpClient: HTTPClient,
        tokens: any AccessTokenProvider,
        configuration: Configuration = .init(),
        pacer: RequestPacer<ContinuousClock> = RequestPacer(),
        logger: Logger = Logger(label: "drivesync.drive")
    ) {
        self.init(
            httpClient: httpClient,
            tokens: tokens,
            configuration: configuration,
            pacer: pacer,
            clock: ContinuousClock(),
            logger: logger
        )
    }

    // MARK: Calls

    /// One Drive call, described so it can be sent again.
    struct Call: Sendable {
        var method: HTTPMethod
        var url: String
        var headers: HTTPHeaders = [:]
        var body: ByteBuffer?
        /// The Drive method name, for logs, metrics and errors.
        var name: String
        var kind: RequestKind
        /// Statuses that count as an answer rather than a failure.
        var accepted: Set<Int> = [200, 201, 204]
        var timeout: Duration?
    }

    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    var uploadBase: String { configuration.uploadBaseURL ?? configuration.baseURL }

    /// `base + path + ?query`, leaving out parameters whose value is `nil`.
    func url(_ path: String, base: String? = nil, _ parameters: [(String, String?)] = []) -> String {
        let present = parameters.compactMap { name, value in value.map { (name, $0) } }
        let root =
            (base ?? configuration.baseURL).hasSuffix("/")
            ? String((base ?? configuration.baseURL).dropLast()) : (base ?? configuration.baseURL)
        return root + path + (present.isEmpty ? "" : "?" + QueryEncoding.queryString(present))
    }

    /// Sends a call with pacing, retries and one token refresh; returns the accepted answer.
    func perform(_ call: Call) async throws -> Answer {
        var refreshed = false
        var token = try await tokens.accessToken()
        var attempt = 0
        while true {
            try Task.checkCancellation()
            let failure: DriveAPIError
            do {
                let answer = try await send(call, token: token)
                if call.accepted.contains(answer.status) {
                    await pacer.recordSuccess(call.kind)
                    return answer
                }
                failure = DriveAPIError.from(
                    status: answer.status,
                    headers: answer.headers.map { ($0.name, $0.value) },
                    body: Array(answer.body.readableBytesView),
                    method: call.name
                )
            } catch let error as CancellationError {
                throw error
            } catch let error as DriveAPIError {
                failure = error
            } catch {
                failure = DriveAPIError(code: .transport, message: "no answer", method: call.name, cause: error)
            }
            if RetryClassification.isRateLimit(failure.retryFacts) { await pacer.recordRateLimited(call.kind) }
            switch RetryClassification.classify(failure.retryFacts, replayable: true, alreadyRefreshedToken: refreshed)
            {
            case .refreshTokenThenRetry:
                refreshed = true
                token = try await tokens.refreshedToken(after: token)
                logger.info("refreshed access token after 401", metadata: ["drive.method": "\(call.name)"])
            case .retry(let retryAfter) where attempt + 1 < configuration.retry.maxAttempts:
                let delay = configuration.retry.delay(
                    afterAttempt: attempt,
                    retryAfter: retryAfter,
                    randomFraction: Double.random(in: 0..<1)
                )
                metrics.retries.increment()
                logger.info(
                    "retrying",
                    metadata: [
                        "drive.method": "\(call.name)", "retry.attempt": "\(attempt + 1)",
                        "error": "\(failure.shortDescription)",
                    ]
                )
                attempt += 1
                try await sleep(delay)
            default:
                throw failure
            }
        }
    }

    /// One attempt with no retry: accepted answers are returned, others thrown as `DriveAPIError`.
    /// A 401 still gets one token refresh.
    func performOnce(_ call: Call) async throws -> Answer {
        var token = try await tokens.accessToken()
        var answer = try await send(call, token: token)
        if answer.status == 401 {
            token = try await tokens.refreshedToken(after: token)
            answer = try await send(call, token: token)
        }
        guard call.accepted.contains(answer.status) else {
            let error = DriveAPIError.from(
                status: answer.status,
                headers: answer.headers.map { ($0.name, $0.value) },
                body: Array(answer.body.readableBytesView),
                method: call.name
            )
            if RetryClassification.isRateLimit(error.retryFacts) { await pacer.recordRateLimited(call.kind) }
            throw error
        }
        return answer
    }

    /// One HTTP exchange, paced, with the JSON body collected (bounded).
    private func send(_ call: Call, token: String) async throws -> Answer {
        try await pacer.acquire(call.kind)
        var request = HTTPClientRequest(url: call.url)
        request.method = call.method
        request.headers = call.headers
        request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
        if let body = call.body {
            request.body = .bytes(body)
        } else if call.method == .POST || call.method == .PUT || call.method == .PATCH {
            request.headers.replaceOrAdd(name: "Content-Length", value: "0")
        }
        // A request id ties the log lines of one exchange together; the token is never logged.
        let requestId = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let started = ContinuousClock.now
        let response = try await http.execute(request, timeout: .init(call.timeout ?? configuration.requestTimeout))
        let body = try await response.body.collect(upTo: configuration.maxResponseBytes)
        metrics.record(method: call.name, status: Int(response.status.code), duration: ContinuousClock.now - started)
        logger.debug(
            "drive call",
            metadata: [
                "request.id": "\(requestId)", "drive.method": "\(call.name)", "http.method": "\(call.method.rawValue)",
                "http.status": "\(response.status.code)",
            ]
        )
        return Answer(status: Int(response.status.code), headers: response.headers, body: body)
    }

    func decode<T: Decodable>(_ type: T.Type, from answer: Answer, method: String) throws -> T {
        do {
            return try DriveJSON.decoder.decode(T.self, from: Data(answer.body.readableBytesView))
        } catch {
            throw DriveAPIError(
                code: .invalidResponse,
                status: answer.status,
                message: "undecodable \(T.self): \(error)",
                method: method
            )
        }
    }

    func json(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try DriveJSON.encoder.encode(value))
    }

    static let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json; charset=UTF-8"]

    /// A JSON call whose answer decodes as `T`.
    func call<T: Decodable>(
        _ name: String,
        _ method: HTTPMethod,
        _ path: String,
        _ parameters: [(String, String?)] = [],
        body: (some Encodable)? = Optional<Empty>.none,
        kind: RequestKind,
        as type: T.Type
    ) async throws -> T {
        let answer = try await callWithoutResult(name, method, path, parameters, body: body, kind: kind)
        return try decode(T.self, from: answer, method: name)
    }

    /// A JSON call whose answer body is not needed (204, or ignored).
    @discardableResult
    func callWithoutResult(
        _ name: String,
        _ method: HTTPMethod,
        _ path: String,
        _ parameters: [(String, String?)] = [],
        body: (some Encodable)? = Optional<Empty>.none,
        kind: RequestKind
    ) async throws -> Answer {
        try await perform(
            Call(
                method: method,
                url: url(path, parameters),
                headers: body == nil ? [:] : Self.jsonHeaders,
                body: try body.map(json),
                name: name,
                kind: kind
            )
        )
    }

    struct Empty: Codable, Sendable {}
}

/// The client's metrics, created once with bounded dimensions.
struct ClientMetrics: Sendable {
    let retries = Counter(label: "drivesync.api.retries")
    let uploadedBytes = Counter(label: "drivesync.transfer.bytes", dimensions: [("direction", "upload")])
    let downloadedBytes = Counter(label: "drivesync.transfer.bytes", dimensions: [("direction", "download")])

    func record(method: String, status: Int, duration: Duration) {
        let statusClass = "\(status / 100)xx"
        Counter(label: "drivesync.api.requests", dimensions: [("method", method), ("status", statusClass)]).increment()
        Timer(label: "drivesync.api.request.duration", dimensions: [("method", method)]).recordNanoseconds(
            Int64(duration.components.seconds) * 1_000_000_000 + Int64(duration.components.attoseconds / 1_000_000_000)
        )
    }
}
