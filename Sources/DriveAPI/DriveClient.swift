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

    // MARK: URLs

    var uploadBase: String { configuration.uploadBaseURL ?? configuration.baseURL }

    /// `base + path + ?query`, leaving out parameters whose value is `nil`.
    func url(_ path: String, base: String? = nil, _ parameters: [(String, String?)] = []) -> String {
        let present = parameters.compactMap { name, value in value.map { (name, $0) } }
        let root =
            (base ?? configuration.baseURL).hasSuffix("/")
            ? String((base ?? configuration.baseURL).dropLast()) : (base ?? configuration.baseURL)
        return root + path + (present.isEmpty ? "" : "?" + QueryEncoding.queryString(present))
    }
}
