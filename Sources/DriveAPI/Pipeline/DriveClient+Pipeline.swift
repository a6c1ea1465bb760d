import AsyncHTTPClient
import DriveSyncCore
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The request pipeline. Every request the client sends passes through these stages, each written once:
/// pacing (`RequestPacer`, with rate-limit feedback), authorization (one token refresh after a 401, one
/// refresh in flight however many requests wait), retry (`RetryStage`), and metrics and logging.
extension DriveClient {
    /// An answer whose body was collected (bounded).
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// Sends `request` through every stage and hands the accepted response to `receive`, which reads its
    /// body. A connection dropped while `receive` reads counts as a failed attempt.
    func send<Result>(
        _ request: DriveRequest,
        receiving receive: (HTTPClientResponse) async throws -> Result
    ) async throws -> Result {
        var retry = RetryStage(client: self, method: request.method)
        while true {
            let failure: DriveAPIError
            do {
                let response = try await exchange(request)
                do {
                    return try await receive(response)
                } catch let error as DriveAPIError {
                    throw error
                } catch let error as CancellationError {
                    throw error
                } catch {
                    throw DriveAPIError.cutShort(request.method, cause: error)
                }
            } catch let error as DriveAPIError {
                failure = error
            }
            guard request.retries == .standard, try await retry.backOff(after: failure) else { throw failure }
        }
    }

    /// Sends `request` and collects its answer's body.
    @discardableResult
    func perform(_ request: DriveRequest) async throws -> Answer {
        try await send(request) { response in
            Answer(
                status: Int(response.status.code),
                headers: response.headers,
                body: try await response.body.collect(upTo: configuration.maxResponseBytes)
            )
        }
    }

    /// Sends `request` and decodes its JSON answer.
    func perform<T: Decodable>(_ request: DriveRequest, decoding type: T.Type) async throws -> T {
        try decode(T.self, from: try await perform(request), method: request.method)
    }

    /// Whether a connection failed because this client refused the server's certificate, which it
    /// would refuse again.
    static func refusesCertificate(_ error: any Error) -> Bool {
        switch error {
        case NIOSSLError.handshakeFailed(.sslError), NIOSSLError.unableToValidateCertificate:
            true
        case let error as NIOSSLExtraError:
            error == .failedToValidateHostname || error == .serverHostnameImpossibleToMatch
        default:
            false
        }
    }

    /// A large body goes out in slices of its own storage. TLS encrypts a write whole before the socket
    /// takes any of it, so an 8 MiB chunk written at once held 16 MiB of ciphertext; slices are written as
    /// the connection drains, so what waits encrypted stays small.
    static func requestBody(_ body: ByteBuffer) -> HTTPClientRequest.Body {
        let sliceLength = 512 << 10
        guard body.readableBytes > sliceLength else { return .bytes(body) }
        let slices = AsyncStream(ByteBuffer.self) { continuation in
            for start in stride(from: 0, to: body.readableBytes, by: sliceLength) {
                let length = min(sliceLength, body.readableBytes - start)
                if let slice = body.getSlice(at: body.readerIndex + start, length: length) { continuation.yield(slice) }
            }
            continuation.finish()
        }
        return .stream(slices, length: .known(Int64(body.readableBytes)))
    }

    /// One attempt: paced, authorized, measured and logged. Accepted statuses return the response with its
    /// body unread; others throw `DriveAPIError` from the (bounded) error body. A 401 refreshes the token
    /// and sends once more.
    private func exchange(_ request: DriveRequest) async throws -> HTTPClientResponse {
        var token = try await tokens.accessToken()
        var refreshed = false
        while true {
            try await pacer.acquire(request.kind)
            var outgoing = HTTPClientRequest(url: url(of: request))
            outgoing.method = request.verb
            outgoing.headers = request.headers
            outgoing.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
            if let body = request.body {
                outgoing.body = Self.requestBody(body)
            } else if request.verb == .POST || request.verb == .PUT || request.verb == .PATCH {
                outgoing.headers.replaceOrAdd(name: "Content-Length", value: "0")
            }
            let started = ContinuousClock.now
            let response: HTTPClientResponse
            do {
                response = try await http.execute(
                    outgoing,
                    timeout: .init(request.timeout ?? configuration.requestTimeout)
                )
            } catch let error as CancellationError {
                throw error
            } catch {
                metrics.record(method: request.method, status: nil, duration: ContinuousClock.now - started)
                if Self.refusesCertificate(error) {
                    throw DriveAPIError(
                        code: .untrustedServer,
                        message:
                            "the server's TLS certificate is not trusted; if a private authority signed it, trust that authority",
                        method: request.method,
                        cause: error
                    )
                }
                throw DriveAPIError(code: .transport, message: "no answer", method: request.method, cause: error)
            }
            let status = Int(response.status.code)
            metrics.record(method: request.method, status: status, duration: ContinuousClock.now - started)
            // A request id ties the log lines of one exchange together; the token is never logged.
            logger.debug(
                "drive call",
                metadata: [
                    "request.id": "\(String(UInt32.random(in: 0...UInt32.max), radix: 16))",
                    "drive.method": "\(request.method)", "http.method": "\(request.verb.rawValue)",
                    "http.status": "\(status)",
                ]
            )
            if request.accepted.contains(status) {
                await pacer.recordSuccess(request.kind)
                return response
            }
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: min(configuration.maxResponseBytes, 1 << 20))
            } catch is NIOTooManyBytesError {
                body = ByteBuffer()  // judged by its status alone
            } catch let error as CancellationError {
                throw error
            } catch {
                // An error answer cut short is a failed attempt like any other dropped connection.
                throw DriveAPIError.cutShort(request.method, cause: error)
            }
            let error = DriveAPIError.from(
                status: status,
                headers: response.headers.map { ($0.name, $0.value) },
                body: Array(body.readableBytesView),
                method: request.method
            )
            if RetryClassification.isRateLimit(error.retryFacts) { await pacer.recordRateLimited(request.kind) }
            guard status == 401, !refreshed else { throw error }
            refreshed = true
            token = try await tokens.refreshedToken(after: token)
            logger.info("refreshed access token after 401", metadata: ["drive.method": "\(request.method)"])
        }
    }

    /// The request's URL: its endpoint, then the query without `nil` values.
    private func url(of request: DriveRequest) -> String {
        switch request.endpoint {
        case .api(let path): url(path, request.query)
        case .upload(let path): url(path, base: uploadBase, request.query)
        case .absolute(let location): request.query.isEmpty ? location : url("", base: location, request.query)
        }
    }

    func decode<T: Decodable>(_ type: T.Type, from answer: Answer, method: DriveMethod) throws -> T {
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
}
